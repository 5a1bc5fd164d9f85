/**
 * Sandbox lifecycle: {@link dev.cove.api.lifecycle.SandboxService} (create, kill, timeouts, recovery, purge), the
 * deadline-driven reaper and the in-memory {@link dev.cove.api.lifecycle.RouteTable} the edge reads.
 */
package dev.cove.api.lifecycle;
