/**
 * Sandbox lifecycle: {@link dev.cove.api.lifecycle.SandboxService} (the front: kill, expiry, reads, work under a
 * sandbox's lock) and its parts: {@link dev.cove.api.lifecycle.SandboxCreator} (create),
 * {@link dev.cove.api.lifecycle.SandboxUptime} (timeouts, pause/resume, wake),
 * {@link dev.cove.api.lifecycle.SandboxNetwork} (egress), {@link dev.cove.api.lifecycle.TemplateResolver} (which template a name means) and
 * {@link dev.cove.api.lifecycle.SandboxReconciler} (recovery, following a cluster, purge); the deadline-driven reaper,
 * the in-memory {@link dev.cove.api.lifecycle.RouteTable} the edge reads, the port access policy
 * ({@link dev.cove.api.lifecycle.PortAccessService}) it publishes there, and the
 * {@link dev.cove.api.lifecycle.SandboxProcesses} seam to the agent. Acts on the node only through
 * {@link dev.cove.core.runtime.SandboxRuntime}; must not touch HTTP (no handlers, no routes).
 */
package dev.cove.api.lifecycle;
