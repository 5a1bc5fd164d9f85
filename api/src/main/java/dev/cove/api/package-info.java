/**
 * The control plane: E2B-compatible REST API and the sandbox agent API on one Helidon SE server, API keys, sandbox
 * lifecycle and store. {@link dev.cove.api.ControlPlane} is what the server wires (its {@code routing} mounts each
 * feature's routes: agent, sandboxes, snapshots, ports, keys); {@link dev.cove.api.ApiConfig} its settings.
 *
 * <p>Talks to the node only through {@link dev.cove.core.runtime.SandboxRuntime} and to the edge only through core's
 * seams ({@link dev.cove.core.routing.SandboxDirectory}, link tokens, the port access audit); never depends on the
 * edge or runtime modules.
 */
package dev.cove.api;
