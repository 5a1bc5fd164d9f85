package dev.cove.api.ports;

import dev.cove.api.store.PortAccessStore.AuditRow;
import dev.cove.api.store.NetworkConfig;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import dev.cove.api.store.JdbcSandboxStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** The edge's access counts, written through a real SQLite store. */
class PortAccessAuditLogTest {
    private static final Instant MINUTE = Instant.parse("2026-11-26T16:00:00Z");

    @TempDir
    Path dir;
    private JdbcSandboxStore store;

    @BeforeEach
    void open() {
        store = JdbcSandboxStore.openSqlite(dir.resolve("cove.db"));
        store.insert(new SandboxRecord("sbx", "base", "base", "6532622b", SandboxState.RUNNING, Map.of(), Map.of(), 2, 512,
                10240, MINUTE, MINUTE.plusSeconds(3600), "envdtoken", null, true,
                new NetworkConfig(true, List.of(), List.of(), null), false, false, null, null));
    }

    @AfterEach
    void close() { store.close(); }

    /** Accesses are summed per minute and per key; a new minute starts new rows. */
    @Test
    void accessesAreCountedPerMinuteAndKey() {
        MovableClock clock = new MovableClock(MINUTE.plusSeconds(10));
        try (PortAccessAuditLog audit = new PortAccessAuditLog(store.portAccess(), clock)) {
            for (int i = 0; i < 3; i++) audit.accessed("sbx", 3000, "public", null, "127.0.0.1", 200);
            audit.accessed("sbx", 3000, "denied", null, "127.0.0.1", 401);
            clock.now = MINUTE.plusSeconds(70);
            audit.accessed("sbx", 3000, "public", null, "127.0.0.1", 200);
            audit.accessed("sbx", 3000, "public", null, "127.0.0.1", 200);
            audit.flush();
        }
        List<AuditRow> rows = store.portAccess().audit("sbx", 100);
        assertThat(rows).extracting(AuditRow::at, AuditRow::access, AuditRow::status, AuditRow::count)
                .containsExactlyInAnyOrder(
                        tuple(MINUTE, "public", 200, 3L),
                        tuple(MINUTE, "denied", 401, 1L),
                        tuple(MINUTE.plusSeconds(60), "public", 200, 2L));
    }

    /**
     * Flushes that run while the edge counts lose nothing: a flush that drains a counter of the current minute to zero
     * keeps it, so an increment landing between the drain and a removal cannot go to a counter nobody reads again.
     */
    @Test
    void flushesDuringCountingLoseNoAccess() throws Exception {
        int accesses = 2_000;
        try (PortAccessAuditLog audit = new PortAccessAuditLog(store.portAccess(), Clock.fixed(MINUTE.plusSeconds(30), ZoneOffset.UTC))) {
            AtomicBoolean counting = new AtomicBoolean(true);
            Thread flusher = Thread.ofPlatform().start(() -> {
                while (counting.get()) audit.flush();
            });
            for (int i = 0; i < accesses; i++) {
                audit.accessed("sbx", 3000, "public", null, "127.0.0.1", 200);
                long until = System.nanoTime() + 5_000; // a request's pace: the flusher often finds the counter at zero
                while (System.nanoTime() < until) Thread.onSpinWait();
            }
            counting.set(false);
            flusher.join();
        }
        long written = store.portAccess().audit("sbx", 100_000).stream().mapToLong(AuditRow::count).sum();
        assertThat(written).isEqualTo(accesses);
    }

    private static final class MovableClock extends Clock {
        volatile Instant now;

        MovableClock(Instant now) { this.now = now; }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }
}
