/**
 * Where a request goes, from its headers alone ({@link dev.cove.edge.routing.Router}): the control plane, the agent
 * port, a sandbox port (after its access check), a wake, a redirect or a typed refusal. Pure computation plus the
 * in-memory {@code SandboxDirectory}; it must not dial, write to a channel, or report (the relay does).
 */
package dev.cove.edge.routing;
