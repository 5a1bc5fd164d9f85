package dev.cove.core.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.net.SocketTable;

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
     * and a {@link CoveException} says why.
     */
    RuntimeSandbox create(SandboxSpec spec);

    /**
     * Captures what the sandbox changed over its template and layers (its writable layer: files written, deleted,
     * replaced) as the layer {@code key}, with owners as the sandbox sees them. The sandbox keeps running; a capture
     * sees its files as they are while it copies them (pause it first for one instant's state). When a layer
     * {@code key} exists already it is returned unchanged. 404 {@code sandbox_not_found}; 400 for an invalid key.
     *
     * @param parent      the key of the sandbox's top layer, or null (recorded, not checked)
     * @param description what the layer holds, in words
     */
    default LayerInfo captureLayer(String id, String key, String parent, String description) {
        throw new CoveException(501, "unimplemented", "this runtime keeps no layers");
    }

    /** The layer {@code key}, or null when the node has none. */
    default LayerInfo layer(String key) {
        return null;
    }

    /** The node's layers, oldest first. */
    default List<LayerInfo> layers() {
        return List.of();
    }

    /**
     * Deletes the layer {@code key} (no-op when there is none); 409 {@code layer_in_use} while a sandbox the node
     * holds has it in its root. Whether a template still names it is the caller's business.
     */
    default void deleteLayer(String key) {
        throw new CoveException(501, "unimplemented", "this runtime keeps no layers");
    }

    /** Kills every process and frees every resource of the sandbox. Idempotent; unknown ids are a no-op. */
    void destroy(String id);

    /**
     * The sandbox, or null when the runtime holds none with this id. A paused sandbox is held too (see
     * {@link #pauseState}); while {@link PauseState#STOPPED} it has no init, and its {@code initPid} is 0.
     */
    RuntimeSandbox get(String id);

    /**
     * After a (crash) restart: re-adopts the sandboxes in {@code keep} that still run or are paused, and frees
     * everything else this runtime's data directory knows of (half-made or orphaned sandboxes, and sandboxes
     * not in {@code keep}, paused or not). Call {@link #pauseState} for the state each re-adopted sandbox is in.
     *
     * @return the ids of {@code keep} that were re-adopted (running or paused)
     */
    Set<String> recover(Set<String> keep);

    /** Ids of the sandboxes this runtime holds. */
    List<String> list();

    /**
     * Runs a command inside the sandbox as the given user ({@code root} or {@code user}), waits for it
     * and returns its output. For tests, health checks and simple calls; streaming processes are the
     * agent API's business. 409 {@code sandbox_paused} while the sandbox is paused.
     */
    ExecResult exec(String id, String user, List<String> argv, Duration timeout);

    /**
     * Starts a process inside the sandbox (its namespaces, cgroup, seccomp filter and capabilities) and returns
     * at once. The process outlives the caller's request; it ends when it exits or is signalled. 409
     * {@code sandbox_paused} while the sandbox is paused.
     */
    default SandboxProcess spawn(String id, ProcessSpec spec) {
        throw new CoveException(501, "unimplemented", "this runtime cannot start processes");
    }

    /** File access confined to the sandbox's root. */
    default SandboxFiles files(String id) {
        throw new CoveException(501, "unimplemented", "this runtime has no file access");
    }

    /** Current resource use of the sandbox. */
    default SandboxUsage usage(String id) {
        throw new CoveException(501, "unimplemented", "this runtime reports no metrics");
    }

    /**
     * Replaces the sandbox's egress policy: new connections follow it at once, established ones it no longer
     * allows are cut. 404 {@code sandbox_not_found} when the runtime holds no such sandbox.
     */
    default void updateEgress(String id, EgressPolicy policy) {
        throw new CoveException(501, "unimplemented", "this runtime has no egress control");
    }

    /**
     * Refuses (400, saying why) an egress policy this node cannot honour, before anything is made: for example an
     * allowOut range inside a private range the operator has not opened.
     */
    default void checkEgress(EgressPolicy policy) {
    }

    /** The sandbox's recent egress denials, oldest first (bounded; older ones are counted, not kept). */
    default List<EgressDenial> egressDenials(String id) {
        return List.of();
    }

    /** How many egress denials the sandbox had in total, including those no longer kept. */
    default long egressDenialCount(String id) {
        return 0;
    }

    /**
     * Pauses a sandbox.
     *
     * <ul>
     *   <li>{@code keepMemory = true}: every process of the sandbox is frozen where it is ({@link PauseState#FROZEN});
     *   its memory stays in use, it uses no CPU, and {@link #resume} continues it exactly there.</li>
     *   <li>{@code keepMemory = false}: every process ends and the memory is freed ({@link PauseState#STOPPED});
     *   the file system, the addresses and the egress policy are kept, and {@link #resume} starts the sandbox
     *   afresh on them (nothing that ran continues).</li>
     * </ul>
     *
     * <p>Pausing a paused sandbox again: {@code keepMemory = true} changes nothing; {@code keepMemory = false} stops a
     * frozen sandbox (frees its memory); a stopped sandbox stays stopped (its memory cannot come back). The state
     * survives a restart of the node: {@link #recover} re-adopts a paused sandbox as paused.
     *
     * <p>While paused, {@link #exec} and {@link #spawn} throw 409 {@code sandbox_paused}; processes started before
     * a freeze are frozen with it (and, after a stop, ended). {@link #files}, {@link #usage}, {@link #updateEgress}
     * and the egress denials keep working; {@link #destroy} frees a paused sandbox like a running one.
     *
     * @throws CoveException 404 {@code sandbox_not_found}; 500 {@code sandbox_pause_failed} when the
     *                                     sandbox could not be paused (a failed freeze leaves it running; a failed
     *                                     stop leaves it stopped with something to retry); 501 when this runtime
     *                                     cannot pause
     */
    default void pause(String id, boolean keepMemory) {
        throw new CoveException(501, "unimplemented", "this runtime cannot pause sandboxes");
    }

    /**
     * Resumes a paused sandbox: thaws a frozen one, or starts a stopped one again on its kept file system (a new
     * init, the same addresses). On a running sandbox it changes nothing. Returns the sandbox as it now runs.
     *
     * @throws CoveException 404 {@code sandbox_not_found}; 500 {@code sandbox_resume_failed} (the
     *                                     sandbox stays paused; resume or destroy it again)
     */
    default RuntimeSandbox resume(String id) {
        RuntimeSandbox sandbox = get(id); // a runtime that cannot pause holds running sandboxes only
        if (sandbox == null)
            throw CoveException.notFound("sandbox_not_found", "sandbox '" + id + "' not found");
        return sandbox;
    }

    /**
     * Whether the sandbox runs or how it is paused; null when the runtime holds no such sandbox. After
     * {@link #recover} it is the state found on the node: a frozen sandbox stays {@link PauseState#FROZEN}, a
     * stopped one {@link PauseState#STOPPED}; a sandbox that was frozen but whose processes are gone (the host
     * restarted) is {@link PauseState#STOPPED} with its file system.
     */
    default PauseState pauseState(String id) {
        return get(id) == null ? null : PauseState.RUNNING;
    }

    /**
     * The TCP listeners of the sandbox's network namespace (addresses and ports only: cheap enough to poll). 404
     * {@code sandbox_not_found} when the runtime holds no such sandbox; empty while it has no processes (stopped).
     */
    default SocketTable sockets(String id) {
        throw new CoveException(501, "unimplemented", "this runtime cannot list ports");
    }

    /**
     * {@link #sockets} with the process holding each listener (pids as the sandbox sees them). Finding the owners may
     * cost more than {@link #sockets}: for listings, not for polling.
     */
    default List<SocketTable.Owned> listeningPorts(String id) {
        throw new CoveException(501, "unimplemented", "this runtime cannot list ports");
    }

    @Override
    void close();
}
