/**
 * Sandbox lifecycle: {@link dev.cove.api.lifecycle.SandboxService} (create, kill, timeouts, pause/resume, recovery,
 * purge), the deadline-driven reaper, the in-memory {@link dev.cove.api.lifecycle.RouteTable} the edge reads, the
 * port access policy ({@link dev.cove.api.lifecycle.PortAccessService}) it publishes there, and the
 * {@link dev.cove.api.lifecycle.SandboxProcesses} seam to the agent. Acts on the node only through
 * {@link dev.cove.core.runtime.SandboxRuntime}; must not touch HTTP (no handlers, no routes).
 */
package dev.cove.api.lifecycle;
