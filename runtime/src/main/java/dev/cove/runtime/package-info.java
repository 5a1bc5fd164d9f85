/**
 * The node runtime's facade: {@link dev.cove.runtime.OciRuntime} implements
 * {@link dev.cove.core.runtime.SandboxRuntime} with {@link dev.cove.runtime.RuntimeConfig} as its settings; nothing
 * else here is public. Each verb has its own class: {@code Creation} (the create steps, each undone by
 * {@code Teardown} when a later one fails), {@code Teardown} (destroy, from the journal), {@code Recovery} (re-adopt or
 * sweep after a restart), {@code Pausing} (pause and resume), {@code Processes} (exec and spawn, gated against a
 * pause) and {@code Usage} (resource use). {@code Node} holds what they share (the node's resources, the held
 * sandboxes as {@code HeldSandbox}, a lock per id) and {@code HostSetup} checks the host once at start.
 *
 * <p>This package orders the steps; the sub-packages do them ({@code journal}, {@code net}, {@code egress},
 * {@code cgroup}, {@code disk}, {@code template}, {@code userns}, {@code oci}, {@code process}, {@code pause},
 * {@code fs}, {@code host}) and never depend on it. It never talks to the database or the edge: the control plane
 * reaches it only through {@code SandboxRuntime}.
 */
package dev.cove.runtime;
