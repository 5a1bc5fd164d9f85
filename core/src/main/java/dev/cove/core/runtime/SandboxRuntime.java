package dev.cove.core.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The node: turns a {@link SandboxSpec} into a running, isolated sandbox and frees it again.
 * Implementations must be thread-safe; every method may block (callers run on virtual threads).
 */
public interface SandboxRuntime extends AutoCloseable {

    /** Builds or finds in the cache the named template; throws 404 {@code template_not_found} if unknown. */
    void ensureTemplate(String template, Progress progress);

    /** True when the template is known (it may still need building). */
    boolean knowsTemplate(String template);

    /**
     * Creates and starts a sandbox. On failure nothing of it remains (everything half-made is undone)
     * and a {@link dev.cove.core.CoveException} says why.
     */
    RuntimeSandbox create(SandboxSpec spec);

    /** Kills every process and frees every resource of the sandbox. Idempotent; unknown ids are a no-op. */
    void destroy(String id);

    /** The running sandbox, or null when the runtime holds none with this id. */
    RuntimeSandbox get(String id);

    /**
     * After a (crash) restart: re-adopts the sandboxes in {@code keep} that still run, and frees
     * everything else this runtime's data directory knows of (half-made or orphaned sandboxes).
     *
     * @return the ids of {@code keep} that were re-adopted and run
     */
    Set<String> recover(Set<String> keep);

    /** Ids of the sandboxes this runtime holds. */
    List<String> list();

    /**
     * Runs a command inside the sandbox as the given user ({@code root} or {@code user}), waits for it
     * and returns its output. For tests, health checks and simple calls; streaming processes are the
     * agent API's business.
     */
    ExecResult exec(String id, String user, List<String> argv, Duration timeout);

    /**
     * Starts a process inside the sandbox (its namespaces, cgroup, seccomp filter and capabilities) and returns
     * at once. The process outlives the caller's request; it ends when it exits or is signalled.
     */
    default SandboxProcess spawn(String id, ProcessSpec spec) {
        throw new dev.cove.core.CoveException(501, "unimplemented", "this runtime cannot start processes");
    }

    /** File access confined to the sandbox's root. */
    default SandboxFiles files(String id) {
        throw new dev.cove.core.CoveException(501, "unimplemented", "this runtime has no file access");
    }

    /** Current resource use of the sandbox. */
    default SandboxUsage usage(String id) {
        throw new dev.cove.core.CoveException(501, "unimplemented", "this runtime reports no metrics");
    }

    /**
     * Replaces the sandbox's egress policy: new connections follow it at once, established ones it no longer
     * allows are cut. 404 {@code sandbox_not_found} when the runtime holds no such sandbox.
     */
    default void updateEgress(String id, EgressPolicy policy) {
        throw new dev.cove.core.CoveException(501, "unimplemented", "this runtime has no egress control");
    }

    /** The sandbox's recent egress denials, oldest first (bounded; older ones are counted, not kept). */
    default List<EgressDenial> egressDenials(String id) {
        return List.of();
    }

    /** How many egress denials the sandbox had in total, including those no longer kept. */
    default long egressDenialCount(String id) {
        return 0;
    }

    @Override
    void close();
}
