package dev.cove.api.lifecycle;

/** Why a sandbox ended: the {@code end_reason} column and {@link dev.cove.core.routing.SandboxRoute#endReason()}. */
public final class EndReason {
    /** Its {@code endAt} came (set at create, by setTimeout, or extended by connect/refresh). */
    public static final String TIMEOUT = "timeout";
    /** {@code DELETE /sandboxes/{id}}. */
    public static final String KILLED = "killed";
    /** The runtime could not create it, or the server stopped while it was being created. */
    public static final String CREATE_FAILED = "create_failed";
    /** It was running when the server stopped and the runtime could not re-adopt it at start. */
    public static final String LOST = "lost";

    /** Its node's lease lapsed (a cluster's node crashed or was cut off): the leader ended it. */
    public static final String NODE_LOST = "node_lost";

    private EndReason() {}
}
