package dev.cove.core.runtime;

/**
 * Where a sandbox the runtime holds stands between running and paused ({@link SandboxRuntime#pauseState}).
 *
 * <p>A runtime that checkpoints memory to disk (CRIU, gVisor) would add a state of its own here; the OCI runtime
 * cannot: CRIU 3.17 (the newest Debian 12 has) fails on the vDSO layout of the 6.x kernels it runs on.
 */
public enum PauseState {
    /** Its processes run. */
    RUNNING,
    /**
     * Paused with its memory: every process is frozen (cgroup freezer) and continues exactly where it was on
     * resume. Memory stays in use; CPU does not.
     */
    FROZEN,
    /**
     * Paused with its file system only: every process has ended and its memory is freed; the writable layer, the
     * network namespace (so its addresses) and the egress policy are kept, and resume starts a fresh init on them.
     */
    STOPPED
}
