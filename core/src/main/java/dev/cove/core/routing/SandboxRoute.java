package dev.cove.core.routing;

import java.time.Instant;

/**
 * What the edge needs to know of one sandbox, answered from memory.
 *
 * @param sandboxId  id
 * @param state      {@link State}
 * @param netnsPath  network namespace to dial into (null unless running)
 * @param endedAt    when it ended (ENDED only)
 * @param endReason  {@code timeout} or {@code killed} (ENDED only)
 */
public record SandboxRoute(String sandboxId, State state, String netnsPath, Instant endedAt, String endReason) {
    public enum State { RUNNING, PAUSED, ENDED }
}
