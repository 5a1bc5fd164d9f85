package dev.cove.core.routing;

/**
 * The seam between the edge and the control plane: the edge asks it where a sandbox is and in what state.
 * Implementations answer from memory and never block (the edge calls it on an event loop);
 * the control plane keeps it current. In a multi-node deployment an etcd-fed implementation fills it.
 */
public interface SandboxDirectory {
    /** The route for a sandbox id, or null when no such sandbox exists or ever existed (as far as is known). */
    SandboxRoute lookup(String sandboxId);
}
