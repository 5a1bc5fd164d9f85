package dev.cove.api.lifecycle;

import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import dev.cove.core.routing.SandboxRoute;
import dev.cove.core.runtime.PauseState;
import dev.cove.core.runtime.RuntimeSandbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * Brings the runtime, the route table and the timers in line with the store when the store says more than this
 * process saw happen: after a (crash) restart ({@link #recover}), when another node of a cluster changed a sandbox
 * ({@link #follow}), and when tombstones have been kept long enough ({@link #purgeTombstones}, hourly). Apart from
 * {@link SandboxService} because none of this answers a request: it repairs what the requests' changes left.
 */
public final class SandboxReconciler extends LifecyclePart implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxReconciler.class);
    private static final Duration PURGE_INTERVAL = Duration.ofHours(1);

    private ScheduledExecutorService purger;

    SandboxReconciler(Parts parts) {
        super(parts);
    }

    // ---------------------------------------------------------------------------------------------- restart

    /**
     * After a (crash) restart: re-adopts running sandboxes the runtime still holds and resumes their timers
     * (a past {@code endAt} expires at once); running ones it lost and half-made ({@code starting}) ones become
     * tombstones; tombstones are loaded into the route table.
     */
    void recover() {
        List<SandboxRecord> open = store.findOwnByStates(EnumSet.of(SandboxState.STARTING, SandboxState.RUNNING,
                SandboxState.PAUSED));
        Set<String> keep = open.stream().filter(r -> r.state().isLive())
                .map(SandboxRecord::id).collect(Collectors.toUnmodifiableSet());
        Set<String> adopted = runtime.recover(keep);
        Instant now = now();
        int resumed = 0;
        int paused = 0;
        for (SandboxRecord row : open) {
            String id = row.id();
            if (row.state() == SandboxState.STARTING) {
                destroyQuietly(id);
                store.markEnded(id, SandboxState.KILLED, now, EndReason.CREATE_FAILED);
                LOG.info("Sandbox {} was being created when the server stopped; cleaned up", id);
                continue;
            }
            RuntimeSandbox held = adopted.contains(id) ? runtime.get(id) : null;
            if (held == null) {
                destroyQuietly(id);
                store.markEnded(id, SandboxState.KILLED, now, EndReason.LOST);
                LOG.warn("Sandbox {} was {} but the runtime could not re-adopt it; marked lost", id, row.state().wire());
                continue;
            }
            PauseState found = runtime.pauseState(id);
            if (row.state() == SandboxState.PAUSED || (found != null && found != PauseState.RUNNING)) {
                // Paused (or paused by the runtime just before the stop, before the row said so): it stays paused,
                // without a timer, until someone resumes it.
                if (row.state() != SandboxState.PAUSED) store.markPaused(id, now, found == PauseState.FROZEN);
                routes.paused(id, row, portAccess.policy(row));
                paused++;
                continue;
            }
            routes.running(id, held.netnsPath(), row, portAccess.policy(row));
            reaper.schedule(id, row.endAt());
            resumed++;
        }
        List<SandboxRecord> tombstones = store.findByStates(EnumSet.of(SandboxState.KILLED, SandboxState.EXPIRED));
        for (SandboxRecord t : tombstones) routes.ended(t.id(), t.endedAt(), t.endReason());
        LOG.info("Recovered {} running and {} paused sandbox(es), {} tombstone(s)", resumed, paused, tombstones.size());
    }

    // ---------------------------------------------------------------------------------------------- cluster

    /**
     * A change followed from the cluster's feed (or a full reload): another node's sandbox is routed to that node's
     * edge ({@code owner}) or remembered as ended. A sandbox of this node's that the catalog says ended although
     * it still runs here (declared lost while this node was cut off, or ended by another node) is destroyed: no
     * sandbox the catalog gave up may keep serving.
     */
    public void follow(String id, SandboxRecord row, InetSocketAddress owner) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            if (row == null) {
                routes.remove(id);
            } else if (row.state().isEnded()) {
                SandboxRoute held = routes.lookup(id);
                if (store.node() != null && store.node().equals(row.node()) && held != null
                        && held.owner() == null && held.state() != SandboxRoute.State.ENDED) {
                    onStopping.accept(id);
                    destroyQuietly(id);
                    reaper.cancel(id);
                    LOG.warn("Sandbox {} ended in the catalog ({}) while this node held it; destroyed it", id, row.endReason());
                }
                routes.followEnded(id, row.endedAt(), row.endReason());
            } else if (owner != null && !row.node().equals(store.node())) {
                routes.followElsewhere(id, row.state() == SandboxState.PAUSED ? SandboxRoute.State.PAUSED
                        : SandboxRoute.State.RUNNING, owner);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------- purge

    /** Purges old tombstones now and then every {@link #PURGE_INTERVAL} until {@link #close}. */
    void startPurging() {
        purger = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("cove-purge").factory());
        purger.scheduleWithFixedDelay(this::purgeQuietly, 0, PURGE_INTERVAL.toSeconds(), TimeUnit.SECONDS);
    }

    /** Deletes tombstones older than the retention period (store and route table). */
    public int purgeTombstones() {
        Instant cutoff = now().minus(Duration.ofDays(config.tombstoneRetentionDays()));
        List<String> purged = store.purgeEndedBefore(cutoff);
        for (String id : purged) {
            routes.remove(id);
            locks.forget(id);
        }
        if (!purged.isEmpty()) LOG.info("Purged {} tombstone(s) older than {}", purged.size(), cutoff);
        return purged.size();
    }

    private void purgeQuietly() {
        try {
            purgeTombstones();
        } catch (RuntimeException e) {
            LOG.warn("Purging tombstones failed; will retry in {}", PURGE_INTERVAL, e);
        }
    }

    /** Stops the periodic purge. */
    @Override
    public void close() {
        if (purger != null) purger.shutdownNow();
    }
}
