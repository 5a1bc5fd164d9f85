package dev.cove.runtime.pause;

import dev.cove.core.runtime.PauseState;
import dev.cove.runtime.journal.SandboxJournal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One way to pause a sandbox's container and bring it back. {@code OciRuntime} keeps the bookkeeping (locks, the
 * {@link PauseRecord}, the spawner, what callers may do meanwhile); a strategy only acts on the container.
 *
 * <p>Two exist: {@link FreezerPause} (memory kept, processes frozen) and {@link StopPause} (memory freed, file
 * system kept). A checkpoint to disk (CRIU {@code runc checkpoint}/{@code restore}, or gVisor's {@code runsc
 * checkpoint}) would be a third, with a state of its own: memory freed and processes continuing. It is not here
 * because it does not work on these hosts: CRIU 3.17 (Debian 12) cannot parse the vDSO of the 6.x kernel
 * ({@code kerndat_vdso_fill_symtable failed}), and Debian's crun is built without libcriu.
 */
public interface PauseStrategy {
    /** The state a sandbox paused this way is in. */
    PauseState state();

    /**
     * Pauses the container; on failure it is left as it was (running), or for a stop, ended as far as it got.
     *
     * @param initPid host pid of the sandbox's init (0 when unknown)
     */
    void pause(SandboxJournal journal, Path sandboxDir, long initPid) throws IOException;

    /**
     * Brings the container back and returns its init's host pid: the same one after a thaw, a new one after a
     * restart. On failure the sandbox stays paused.
     */
    long resume(SandboxJournal journal, Path sandboxDir, long initPid) throws IOException;
}
