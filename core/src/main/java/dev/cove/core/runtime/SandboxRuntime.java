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

    @Override
    void close();
}
