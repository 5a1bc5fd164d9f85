package dev.cove.api.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqliteSandboxStoreTest {
    @TempDir
    Path dir;
    JdbcSandboxStore store;
    final Instant t0 = Instant.parse("2026-11-26T10:00:00.123Z");

    @BeforeEach
    void open() { store = JdbcSandboxStore.openSqlite(dir.resolve("cove.db")); }

    @AfterEach
    void close() { store.close(); }

    private SandboxRecord row(String id, SandboxState state) {
        return new SandboxRecord(id, "base", "base", "6532622b", state, Map.of("owner", "alice"),
                Map.of("SECRET", "s3cr3t"), 2, 512, 10240, t0, t0.plusSeconds(300), "envdtoken", "traffictoken",
                true, new NetworkConfig(false, List.of("1.1.1.1"), List.of("0.0.0.0/0"), "localhost:${PORT}"),
                false, false, null, null);
    }

    @Test
    void roundTripAndTransitions() {
        store.insert(row("aaa", SandboxState.STARTING));
        SandboxRecord read = store.find("aaa").orElseThrow();
        assertThat(read).usingRecursiveComparison().isEqualTo(row("aaa", SandboxState.STARTING));

        Instant started = t0.plusSeconds(1);
        store.markRunning("aaa", started, started.plusSeconds(15));
        assertThat(store.find("aaa").orElseThrow().state()).isEqualTo(SandboxState.RUNNING);
        assertThat(store.find("aaa").orElseThrow().endAt()).isEqualTo(started.plusSeconds(15));

        store.updateEndAt("aaa", started.plusSeconds(60));
        assertThat(store.find("aaa").orElseThrow().endAt()).isEqualTo(started.plusSeconds(60));
        assertThat(store.findByStates(EnumSet.of(SandboxState.RUNNING))).extracting(SandboxRecord::id).containsExactly("aaa");
        assertThat(store.findByStates(EnumSet.of(SandboxState.KILLED))).isEmpty();
    }

    /** A tombstone keeps id, times and reason, but no env vars and no tokens. */
    @Test
    void endingErasesSecrets() {
        store.insert(row("bbb", SandboxState.RUNNING));
        store.markEnded("bbb", SandboxState.EXPIRED, t0.plusSeconds(300), "timeout");
        SandboxRecord t = store.find("bbb").orElseThrow();
        assertThat(t.state()).isEqualTo(SandboxState.EXPIRED);
        assertThat(t.endedAt()).isEqualTo(t0.plusSeconds(300));
        assertThat(t.endReason()).isEqualTo("timeout");
        assertThat(t.envVars()).isEmpty();
        assertThat(t.envdAccessToken()).isNull();
        assertThat(t.trafficAccessToken()).isNull();
        assertThat(t.metadata()).containsEntry("owner", "alice");
        assertThat(t.toString()).doesNotContain("s3cr3t");
    }

    @Test
    void duplicateIdIsRefused() {
        store.insert(row("ccc", SandboxState.RUNNING));
        assertThatThrownBy(() -> store.insert(row("ccc", SandboxState.STARTING))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.markRunning("nope", t0, t0)).isInstanceOf(StoreException.class);
    }

    @Test
    void purgeRemovesOnlyOldTombstones() {
        store.insert(row("old", SandboxState.RUNNING));
        store.insert(row("new", SandboxState.RUNNING));
        store.insert(row("live", SandboxState.RUNNING));
        store.markEnded("old", SandboxState.KILLED, t0.minus(10, ChronoUnit.DAYS), "killed");
        store.markEnded("new", SandboxState.KILLED, t0, "killed");
        assertThat(store.purgeEndedBefore(t0.minus(7, ChronoUnit.DAYS))).containsExactly("old");
        assertThat(store.find("old")).isEmpty();
        assertThat(store.find("new")).isPresent();
        assertThat(store.find("live")).isPresent();
    }

    /** WAL mode, owner-only file, and reopening runs no migration twice. */
    @Test
    void walModeAndPrivateFile() throws Exception {
        Path db = dir.resolve("cove.db");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db))).isEqualTo("rw-------");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             ResultSet rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
        }
        store.insert(row("ddd", SandboxState.RUNNING));
        store.close();
        store = JdbcSandboxStore.openSqlite(db);
        assertThat(store.find("ddd")).isPresent();
    }
}
