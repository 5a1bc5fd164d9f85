package dev.cove.api.lifecycle;

import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import dev.cove.core.CoveException;
import dev.cove.core.runtime.RuntimeSandbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;

import static dev.cove.api.lifecycle.SandboxService.notFound;

/**
 * How long a live sandbox runs and when it sleeps: E2B's setTimeout and refresh, pause, resume (connect) and the
 * edge's wake-on-request. One class because these share one set of rules: a paused sandbox has no timer and refuses
 * a new timeout, a resumed one gets a fresh timer capped at the maximum length, connecting to a running one only
 * extends it. Apart from {@link SandboxService}, which ends sandboxes and calls {@link #pauseLocked} when one that
 * pauses at its timeout reaches it.
 */
public final class SandboxUptime extends LifecyclePart implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxUptime.class);

    /** How long a sandbox woken by traffic stays up (E2B keeps an auto-resumed sandbox awake at least 300 s). */
    static final Duration WAKE_TIMEOUT = Duration.ofSeconds(300);

    private final ExecutorService wakers = Executors.newVirtualThreadPerTaskExecutor();

    SandboxUptime(Parts parts) {
        super(parts);
    }

    // ---------------------------------------------------------------------------------------------- timeout

    /**
     * E2B's setTimeout: {@code endAt = now + min(timeout, maxLength - elapsed)}; may shorten, 0 (or less) ends it
     * now. 400 "Max instance length exceeded" when it already lived its maximum.
     */
    public SandboxRecord setTimeout(String id, long seconds) {
        return keepAlive(id, Duration.ofSeconds(Math.max(0, seconds)), true);
    }

    /** Connect/refresh: like {@link #setTimeout} but only ever extends ({@code endAt} stays when later). */
    public SandboxRecord extend(String id, Duration duration) {
        return keepAlive(id, duration, false);
    }

    private SandboxRecord keepAlive(String id, Duration requested, boolean allowShorter) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            SandboxRecord row = store.find(id).filter(r -> r.state().isLive()).orElseThrow(() -> notFound(id));
            if (row.state() == SandboxState.PAUSED) throw paused(id);
            Instant now = now();
            Duration elapsed = Duration.between(row.startedAt(), now);
            Duration left = config.maxSandboxLength().minus(elapsed);
            if (left.isNegative()) throw CoveException.badRequest("Max instance length exceeded");
            Instant endAt = now.plus(requested.compareTo(left) < 0 ? requested : left);
            if (!allowShorter && !endAt.isAfter(row.endAt())) return row;
            store.updateEndAt(id, endAt);
            reaper.schedule(id, endAt);
            return row.withEndAt(endAt);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------- pause

    /**
     * E2B's pause: {@code keepMemory} freezes every process where it is; without it the processes end and the file
     * system is kept (resume starts the sandbox afresh on it). Its timer stops: a paused sandbox does not expire.
     * 409 when already paused, 404 when unknown or ended.
     */
    public void pause(String id, boolean keepMemory) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            SandboxRecord row = store.find(id).filter(r -> r.state().isLive()).orElseThrow(() -> notFound(id));
            if (row.state() == SandboxState.PAUSED) {
                throw new CoveException(409, "sandbox_paused", "Sandbox \"" + id + "\" is already paused");
            }
            pauseLocked(row, keepMemory);
        } finally {
            lock.unlock();
        }
    }

    /** Pauses the running sandbox of {@code row}; the caller holds its lock (a pause, or the reaper's autoPause). */
    void pauseLocked(SandboxRecord row, boolean keepMemory) {
        String id = row.id();
        onStopping.accept(id);
        try {
            runtime.pause(id, keepMemory);
        } catch (CoveException e) {
            LOG.error("Pausing sandbox {} failed: {}", id, e.getMessage());
            throw e.status() == 404 ? notFound(id) : e;
        }
        Instant now = now();
        store.markPaused(id, now, keepMemory);
        reaper.cancel(id);
        routes.paused(id, row, portAccess.policy(row));
        LOG.info("Sandbox {} paused ({})", id, keepMemory ? "memory kept" : "file system only");
    }

    /** What {@link #resume} did: the row as it is now, and whether it was paused. */
    public record Resumed(SandboxRecord row, boolean wasPaused) {}

    /**
     * Connect: a running sandbox's end is extended (never shortened) by {@code timeout}; a paused one is resumed
     * (thawed, or started afresh on its file system) and runs for {@code timeout} from now. With
     * {@code keepMemory = false} a sandbox paused with its memory is restarted instead of thawed (E2B's
     * {@code memory: false}). 404 when unknown or ended.
     */
    public Resumed resume(String id, Duration timeout, boolean keepMemory) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            SandboxRecord row = store.find(id).filter(r -> r.state().isLive()).orElseThrow(() -> notFound(id));
            if (row.state() == SandboxState.RUNNING) return new Resumed(extend(id, timeout), false);
            RuntimeSandbox resumed;
            try {
                if (!keepMemory) runtime.pause(id, false); // a frozen sandbox is stopped first: it restarts
                resumed = runtime.resume(id);
            } catch (CoveException e) {
                LOG.error("Resuming sandbox {} failed: {}", id, e.getMessage());
                throw e.status() == 404 ? notFound(id) : e;
            }
            Instant now = now();
            Duration capped = timeout.compareTo(config.maxSandboxLength()) > 0 ? config.maxSandboxLength() : timeout;
            Instant endAt = now.plus(capped);
            store.markResumed(id, now, endAt); // the maximum length counts from here again (E2B resets it)
            SandboxRecord running = row.running(now, endAt);
            routes.running(id, resumed.netnsPath(), running, portAccess.policy(running));
            reaper.schedule(id, endAt);
            LOG.info("Sandbox {} resumed (ends {})", id, endAt);
            return new Resumed(running, true);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The edge's wake-on-request: resumes a paused sandbox created with {@code autoResume}, off the event loop. A
     * sandbox that ended is never brought back (the future fails with 404); concurrent wakes of one sandbox resume
     * it once (the lock; the second finds it running).
     */
    CompletableFuture<Void> wake(String id) {
        return CompletableFuture.runAsync(() -> {
            SandboxRecord row = store.find(id).orElseThrow(() -> notFound(id));
            if (!row.state().isLive()) throw notFound(id);
            if (row.state() == SandboxState.PAUSED && !row.autoResume()) throw paused(id);
            if (row.state() == SandboxState.PAUSED) {
                resume(id, WAKE_TIMEOUT, true);
                LOG.info("Sandbox {} woken by a request (autoResume)", id);
            }
        }, wakers);
    }

    private static CoveException paused(String id) {
        return new CoveException(409, "sandbox_paused", "Sandbox \"" + id + "\" is paused; resume it with connect first");
    }

    /** Stops waking sandboxes (a wake under way is interrupted). */
    @Override
    public void close() {
        wakers.shutdownNow();
    }
}
