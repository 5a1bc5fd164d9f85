package dev.cove.api.store;

import dev.cove.api.testing.PostgresServer;
import dev.cove.core.routing.PortAccess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The catalog on a real PostgreSQL, as the nodes of a cluster share it: the same statements as on SQLite, each row
 * owned by the node that wrote it, and a database that is down reported as unavailable without the password.
 */
class PostgresSandboxStoreTest {
    static PostgresServer pg;
    static JdbcSandboxStore nodeA;
    static JdbcSandboxStore nodeB;
    final Instant t0 = Instant.parse("2026-11-26T10:00:00.123Z");

    @BeforeAll
    static void startPostgres() throws Exception {
        assumeThat(PostgresServer.installed()).as("PostgreSQL server binaries (./cove install --with-test-tools)").isTrue();
        pg = PostgresServer.start("store");
        nodeA = JdbcSandboxStore.openPostgres(PostgresLocation.parse(pg.url(), null), "node-a");
        // a second node migrates the same database: Flyway sees it current and does nothing
        nodeB = JdbcSandboxStore.openPostgres(PostgresLocation.parse(pg.url(), null), "node-b");
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (nodeA != null) nodeA.close();
        if (nodeB != null) nodeB.close();
        if (pg != null) pg.close();
    }

    private SandboxRecord row(String id, SandboxState state) {
        return new SandboxRecord(id, "base", "base", "6532622b", state, Map.of("owner", "alice"),
                Map.of("SECRET", "s3cr3t"), 2, 512, 10240, t0, t0.plusSeconds(300), "envdtoken", "traffictoken",
                true, new NetworkConfig(false, List.of("1.1.1.1"), List.of("0.0.0.0/0"), "localhost:${PORT}"),
                false, false, null, null);
    }

    @Test
    void rowsRoundTripAndCarryTheirNode() {
        nodeA.insert(row("pg-a1", SandboxState.STARTING));
        nodeB.insert(row("pg-b1", SandboxState.STARTING));
        assertThat(nodeB.find("pg-a1").orElseThrow()).usingRecursiveComparison()
                .isEqualTo(row("pg-a1", SandboxState.STARTING).onNode("node-a"));
        nodeA.markRunning("pg-a1", t0.plusSeconds(1), t0.plusSeconds(61));
        nodeB.markRunning("pg-b1", t0.plusSeconds(1), t0.plusSeconds(61));

        EnumSet<SandboxState> live = EnumSet.of(SandboxState.RUNNING, SandboxState.PAUSED);
        assertThat(nodeA.findByStates(live)).extracting(SandboxRecord::id).contains("pg-a1", "pg-b1");
        // recovery on a node re-adopts only its own
        assertThat(nodeA.findOwnByStates(live)).extracting(SandboxRecord::id).contains("pg-a1").doesNotContain("pg-b1");
        assertThat(nodeB.findOwnByStates(live)).extracting(SandboxRecord::id).contains("pg-b1").doesNotContain("pg-a1");

        assertThat(nodeA.markPaused("pg-a1", t0.plusSeconds(5), true)).isTrue();
        assertThat(nodeB.pauseInfo("pg-a1")).contains(new SandboxStore.PauseInfo(t0.plusSeconds(5), true));
        nodeA.markResumed("pg-a1", t0.plusSeconds(6), t0.plusSeconds(66));
        assertThat(nodeA.pauseInfo("pg-a1")).isEmpty();

        nodeA.markEnded("pg-a1", SandboxState.KILLED, t0.plusSeconds(70), "node_lost");
        SandboxRecord ended = nodeB.find("pg-a1").orElseThrow();
        assertThat(ended.endReason()).isEqualTo("node_lost");
        assertThat(ended.envVars()).isEmpty();
        assertThat(ended.envdAccessToken()).isNull();
        assertThat(nodeA.purgeEndedBefore(t0.plusSeconds(71))).contains("pg-a1");
        assertThat(nodeB.find("pg-a1")).isEmpty();
        assertThatThrownBy(() -> nodeB.insert(row("pg-b1", SandboxState.STARTING))).isInstanceOf(StoreException.class);
    }

    @Test
    void portRulesLinksAndAuditWorkOnPostgres() {
        nodeA.insert(row("pg-ports", SandboxState.RUNNING));
        PortAccessStore ports = nodeB.portAccess();
        ports.saveDefaultAccess("pg-ports", PortAccess.PRIVATE);
        ports.saveDefaultAccess("pg-ports", PortAccess.PUBLIC);
        assertThat(ports.defaultAccess("pg-ports")).contains(PortAccess.PUBLIC);
        ports.putPortRule("pg-ports", new PortAccessStore.PortRuleRow(8080, PortAccess.LINK, null, null, t0, true));
        assertThat(nodeA.portAccess().portRules("pg-ports").get(8080).crossSite()).isTrue();
        ports.insertLink(new PortAccessStore.LinkRow("lnk1", "pg-ports", 8080, t0, null, null));
        ports.insertLink(new PortAccessStore.LinkRow("lnk2", "pg-ports", 9090, t0, t0.plusSeconds(60), null));
        assertThat(ports.revokeLinks("pg-ports", 8080, t0.plusSeconds(1))).isEqualTo(1);
        assertThat(ports.revokeLinks("pg-ports", null, t0.plusSeconds(2))).isEqualTo(1); // every port: the other one
        ports.appendAudit(List.of(
                new PortAccessStore.AuditRow(t0, "pg-ports", "expose", 8080, null, "api", null, null, 1, null),
                new PortAccessStore.AuditRow(t0.plusSeconds(1), "pg-ports", "access", 8080, null, "127.0.0.1",
                        "public", 200, 3, null)));
        assertThat(ports.audit("pg-ports", 1)).extracting(PortAccessStore.AuditRow::kind).containsExactly("access");
        assertThat(ports.audit("pg-ports", 10)).extracting(PortAccessStore.AuditRow::kind).containsExactly("expose", "access");
    }

    @Test
    void apiKeysAreSharedByTheNodes() {
        nodeA.replaceApiKeys("bootstrap", "ab".repeat(32), t0);
        assertThat(nodeB.apiKeyHashes()).contains("ab".repeat(32));
    }

    @Test
    void aWrongPasswordIsRefusedWithoutRepeatingIt() {
        String wrong = pg.url().replace("Secret", "Wrong");
        assertThatThrownBy(() -> JdbcSandboxStore.openPostgres(PostgresLocation.parse(wrong, null), "node-x"))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("127.0.0.1:" + pg.port() + "/cove")
                .satisfies(e -> assertThat(fullText(e)).doesNotContain("Wrong").doesNotContain(PostgresServer.PASSWORD));
    }

    @Test
    void aDatabaseThatIsDownIsUnavailableThenBack() throws Exception {
        pg.stop();
        try {
            assertThatThrownBy(() -> nodeA.find("anything")).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.unavailable()).isTrue());
        } finally {
            pg.start();
        }
        assertThat(nodeA.find("anything")).isEmpty(); // the pool reconnects by itself
    }

    private static String fullText(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) sb.append(t).append('\n');
        return sb.toString();
    }
}
