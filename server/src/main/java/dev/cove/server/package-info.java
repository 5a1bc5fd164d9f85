/**
 * The {@code cove} server process: {@link dev.cove.server.Main} parses the command line, {@code ServerCommand} builds
 * the base template if needed and starts the planes in dependency order (runtime, control plane, edge), then serves
 * until SIGTERM or SIGINT.
 *
 * <p>The only module that depends on all the others; it wires them through their public entry types
 * ({@code OciRuntime}, {@code ControlPlane}, {@code EdgeServer} and their configs). Routing, sandbox state and HTTP
 * handling stay in those modules; none of them depends on this one.
 */
package dev.cove.server;
