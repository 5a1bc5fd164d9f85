package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.PauseState;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.runtime.pause.PauseRecord;
import dev.cove.runtime.pause.PauseStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Pause and resume of a held sandbox through a {@link PauseStrategy}: the id's lock, then the sandbox's gate
 * exclusively (process starts in flight finish first), {@code pause.json} before the strategy acts, the held state
 * after it.
 */
final class Pausing {
    private static final Logger log = LoggerFactory.getLogger(OciRuntime.class);

    private final Node node;
    private final Usage usage;

    Pausing(Node node, Usage usage) {
        this.node = node;
        this.usage = usage;
    }

    /**
     * Freezes the sandbox ({@code keepMemory}) or stops it on its files; see
     * {@link dev.cove.core.runtime.SandboxRuntime#pause}. Waits for process starts in flight (and a spawner start) to
     * finish first. A frozen sandbox's spawner stays connected and serves again after the thaw; a stopped sandbox's
     * spawner ends with it, and the first process after the resume starts a new one.
     */
    void pause(String id, boolean keepMemory) {
        PauseStrategy strategy = keepMemory ? node.freezerPause : node.stopPause;
        node.held(id); // 404 before any lock
        ReentrantLock lock = node.lockFor(id);
        lock.lock();
        try {
            HeldSandbox h = node.held(id);
            if (h.state == strategy.state() || h.state == PauseState.STOPPED) return;
            Lock gate = h.gate.writeLock();
            gate.lock();
            try {
                Path dir = node.dir(id);
                node.spawners.awaitStart(id);
                long t0 = System.nanoTime();
                try {
                    new PauseRecord(strategy.state(), System.currentTimeMillis()).write(dir);
                } catch (IOException e) {
                    throw new CoveException(500, "sandbox_pause_failed", "could not pause sandbox '" + id
                            + "': cannot record it: " + e.getMessage() + " (it keeps running)", e);
                }
                if (strategy == node.stopPause) node.spawners.remove(id); // it ends with the container
                try {
                    strategy.pause(h.journal, dir, h.sandbox.initPid());
                } catch (IOException | RuntimeException e) {
                    throw pauseFailed(h, strategy, dir, e);
                }
                if (strategy == node.stopPause) h.sandbox = HeldSandbox.sandbox(h.journal, 0);
                h.state = strategy.state();
                usage.forget(id);
                log.debug("paused sandbox {} ({}) in {} us", id, h.state, (System.nanoTime() - t0) / 1000);
            } finally {
                gate.unlock();
            }
        } finally {
            lock.unlock();
        }
    }

    /** A failed freeze has thawed again: running as before. A failed stop has ended what it could: stopped. */
    private CoveException pauseFailed(HeldSandbox h, PauseStrategy strategy, Path dir, Exception e) {
        String id = h.journal.id();
        if (strategy == node.stopPause) {
            h.sandbox = HeldSandbox.sandbox(h.journal, 0);
            h.state = PauseState.STOPPED;
            return new CoveException(500, "sandbox_pause_failed", "sandbox '" + id + "' was stopped, but not "
                    + "everything of its container could be freed: " + e.getMessage()
                    + " (resume or destroy it to retry)", e);
        }
        try {
            PauseRecord.delete(dir);
        } catch (IOException ignored) {
            // recover trusts the thawed cgroup over the record
        }
        return new CoveException(500, "sandbox_pause_failed", "could not freeze sandbox '" + id + "': "
                + e.getMessage() + " (it keeps running)", e);
    }

    /**
     * Thaws a frozen sandbox, or runs a stopped one again from its bundle on its kept overlay and network namespace
     * (same addresses, a new init). No-op on a running sandbox. See {@link dev.cove.core.runtime.SandboxRuntime#resume}.
     */
    RuntimeSandbox resume(String id) {
        node.held(id); // 404 before any lock
        ReentrantLock lock = node.lockFor(id);
        lock.lock();
        try {
            HeldSandbox h = node.held(id);
            if (h.state == PauseState.RUNNING) return h.sandbox;
            Lock gate = h.gate.writeLock();
            gate.lock();
            try {
                PauseState from = h.state;
                PauseStrategy strategy = from == PauseState.FROZEN ? node.freezerPause : node.stopPause;
                Path dir = node.dir(id);
                long t0 = System.nanoTime();
                long pid;
                try {
                    pid = strategy.resume(h.journal, dir, h.sandbox.initPid());
                } catch (IOException | RuntimeException e) {
                    throw new CoveException(500, "sandbox_resume_failed", "could not resume sandbox '" + id + "': "
                            + e.getMessage() + " (it stays paused; resume it again or destroy it)", e);
                }
                h.sandbox = HeldSandbox.sandbox(h.journal, pid);
                h.state = PauseState.RUNNING;
                try {
                    PauseRecord.delete(dir);
                } catch (IOException e) {
                    log.warn("sandbox {}: cannot remove {} ({}); a restart still finds it running", id,
                            PauseRecord.FILE, e.getMessage());
                }
                log.debug("resumed sandbox {} ({}) in {} us", id, from, (System.nanoTime() - t0) / 1000);
                return h.sandbox;
            } finally {
                gate.unlock();
            }
        } finally {
            lock.unlock();
        }
    }

    /** 409 for a process start in a paused sandbox: it would wait for the thaw, or find no container at all. */
    static void requireRunning(String id, HeldSandbox h) {
        if (h.state == PauseState.RUNNING) return;
        throw new CoveException(409, "sandbox_paused", "sandbox '" + id + "' is paused"
                + (h.state == PauseState.STOPPED ? " (its processes were stopped)" : "")
                + "; resume it (connect to it), then start the process again");
    }
}
