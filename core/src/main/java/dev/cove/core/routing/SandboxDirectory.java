package dev.cove.core.routing;

import dev.cove.core.CoveException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The seam between the edge and the control plane: the edge asks it where a sandbox is and in what state.
 * Implementations answer from memory and never block (the edge calls it on an event loop);
 * the control plane keeps it current. In a multi-node deployment an etcd-fed implementation fills it.
 */
public interface SandboxDirectory {
    /** The route for a sandbox id, or null when no such sandbox exists or ever existed (as far as is known). */
    SandboxRoute lookup(String sandboxId);

    /**
     * Wakes a paused sandbox created with {@code autoResume} (E2B's wake-on-request) and completes once it runs; the
     * edge then routes the held request again. Never blocks the caller. A sandbox that ended is never woken: the
     * stage fails. The default cannot wake anything.
     */
    default CompletionStage<Void> wake(String sandboxId) {
        return CompletableFuture.failedFuture(
                new CoveException(409, "sandbox_paused", "this directory cannot wake sandboxes"));
    }
}
