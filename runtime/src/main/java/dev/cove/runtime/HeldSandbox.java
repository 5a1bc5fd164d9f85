package dev.cove.runtime;

import dev.cove.core.runtime.PauseState;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.runtime.fs.RootedFiles;
import dev.cove.runtime.journal.SandboxJournal;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/** A sandbox this runtime holds: its journal, its files, how it runs now, and the gate of its process starts. */
final class HeldSandbox {
    final SandboxJournal journal;
    final RootedFiles files;
    /**
     * Process starts hold it shared from their state check until the process has started; pause and resume hold
     * it exclusively. So a freeze never catches a start half-way (its reply would wait for the thaw), and a
     * start never reaches a container that is being stopped. Fair: callers that keep starting processes must
     * not starve a pause or resume that waits.
     */
    final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
    volatile RuntimeSandbox sandbox;
    volatile PauseState state;

    HeldSandbox(SandboxJournal journal, RuntimeSandbox sandbox, PauseState state) {
        this.journal = journal;
        this.sandbox = sandbox;
        this.state = state;
        this.files = new RootedFiles(sandbox.rootfs(), journal.uidBase());
    }

    /** The sandbox as it runs with init {@code pid} (0: stopped, no init). */
    static RuntimeSandbox sandbox(SandboxJournal j, long pid) {
        return new RuntimeSandbox(j.id(), j.netnsPath(), j.ipv4(), j.hostIpv4(), j.ipv6(), pid, j.rootfs());
    }
}
