/**
 * The sandbox agent API (E2B's envd) served on the host: {@link dev.cove.api.envd.AgentRoutes} registers every
 * endpoint behind {@link dev.cove.api.envd.AgentGate} (sandbox checks, token, CORS); the Connect protocol
 * ({@link dev.cove.api.envd.Connect}), proto3 JSON and the messages live here, the services in
 * {@code .process} (process.Process), {@code .filesystem} (filesystem.Filesystem) and {@code .files} ({@code /files}),
 * one class per RPC or endpoint.
 *
 * <p>Acts inside sandboxes only through {@link dev.cove.core.runtime.SandboxRuntime}; reads sandboxes through
 * {@link dev.cove.api.lifecycle.SandboxService}. Must not touch the store, the REST packages or the edge; the REST
 * side asks it only through {@link dev.cove.api.lifecycle.SandboxProcesses}.
 */
package dev.cove.api.envd;
