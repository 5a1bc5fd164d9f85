package dev.cove.api.ports;

import dev.cove.api.store.PortAccessStore;
import dev.cove.core.routing.PortAccessAudit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts accesses to sandbox ports as the edge reports them (on event loops: a map increment, nothing else) and
 * writes them to the audit trail, aggregated per minute, sandbox, port, credential kind, source and status, every
 * few seconds and at close. Grants and revocations are written directly by {@link PortsService}.
 */
public final class PortAccessAuditLog implements PortAccessAudit, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PortAccessAuditLog.class);
    static final long FLUSH_SECONDS = 5;

    /** {@code minute}: the minute's start in epoch milliseconds (an Instant per request would be two allocations). */
    private record Key(long minute, String sandboxId, int port, String via, String linkId, String source, int status) {}

    private final PortAccessStore store;
    private final Clock clock;
    private final ConcurrentHashMap<Key, LongAdder> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;

    public PortAccessAuditLog(PortAccessStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.flusher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("cove-audit").factory());
        flusher.scheduleWithFixedDelay(this::flushQuietly, FLUSH_SECONDS, FLUSH_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void accessed(String sandboxId, int port, String via, String linkId, String source, int status) {
        pending.computeIfAbsent(new Key(minuteOf(clock.millis()), sandboxId, port, via, linkId, source, status),
                k -> new LongAdder()).increment();
    }

    /** Writes what was counted so far (the API calls it before reading the trail, so reads are current). */
    public synchronized void flush() {
        if (pending.isEmpty()) return;
        // Counters of past minutes are dropped once drained; those of this minute stay even when drained, since an event
        // loop may be incrementing one right now (dropping it between the drain and the removal would lose that count).
        long current = minuteOf(clock.millis());
        List<PortAccessStore.AuditRow> rows = new ArrayList<>();
        for (Map.Entry<Key, LongAdder> e : pending.entrySet()) {
            Key k = e.getKey();
            long n = e.getValue().sumThenReset();
            if (n == 0) {
                if (k.minute() < current) pending.remove(k, e.getValue());
                continue;
            }
            rows.add(new PortAccessStore.AuditRow(Instant.ofEpochMilli(k.minute()), k.sandboxId(), "access", k.port(),
                    k.linkId(), k.source(), k.via(), k.status(), n, null));
        }
        rows.sort(Comparator.comparing(PortAccessStore.AuditRow::at));
        for (PortAccessStore.AuditRow row : rows) {
            try {
                store.appendAudit(List.of(row));
            } catch (RuntimeException e) {
                // a sandbox purged meanwhile (its foreign key is gone): its accesses go with it
                LOG.debug("Dropping access audit of {}: {}", row.sandboxId(), e.toString());
            }
        }
    }

    private static long minuteOf(long epochMillis) {
        return epochMillis - Math.floorMod(epochMillis, 60_000L);
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.warn("Writing the access audit failed; retrying in {} s", FLUSH_SECONDS, e);
        }
    }

    @Override
    public void close() {
        flusher.shutdownNow();
        flushQuietly();
    }
}
