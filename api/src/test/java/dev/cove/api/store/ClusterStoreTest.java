package dev.cove.api.store;

import dev.cove.api.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The cluster's rows on a real PostgreSQL: leases, placement, declaring nodes lost, the change feed, the CA. */
class ClusterStoreTest {
    static PostgresServer pg;
    static JdbcSandboxStore a;
    static JdbcSandboxStore b;
    static ClusterStore rows;
    final Instant t0 = Instant.parse("2026-12-01T10:00:00Z");

    @BeforeAll
    static void startPostgres() throws Exception {
        assumeThat(PostgresServer.installed()).as("PostgreSQL server binaries (./cove install --with-test-tools)").isTrue();
        pg = PostgresServer.start("clusterstore");
        a = JdbcSandboxStore.openPostgres(PostgresLocation.parse(pg.url(), null), "a");
        b = JdbcSandboxStore.openPostgres(PostgresLocation.parse(pg.url(), null), "b");
        rows = new ClusterStore(a);
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (a != null) a.close();
        if (b != null) b.close();
        if (pg != null) pg.close();
    }

    @BeforeEach
    void empty() throws Exception {
        pg.psql("TRUNCATE sandboxes, nodes, changes, cluster_ca, cluster_secret CASCADE");
    }

    private SandboxRecord live(String id, int memoryMB) {
        return new SandboxRecord(id, "base", "base", "6532622b", SandboxState.RUNNING, Map.of(), Map.of("K", "secret"),
                1, memoryMB, 1024, t0, t0.plusSeconds(600), "envd", null, null, null, false, false, null, null);
    }

    @Test
    void placementPicksTheLeastCommittedLiveNodeUnderItsMaximum() {
        rows.register("a", "http://127.0.0.1:1", 0, t0, t0.plusSeconds(6));
        rows.register("b", "http://127.0.0.1:2", 1, t0, t0.plusSeconds(6));
        assertThat(rows.place(t0).orElseThrow().name()).isEqualTo("a"); // a tie: by name
        a.insert(live("s1", 512));
        assertThat(rows.place(t0).orElseThrow().name()).as("b has less memory committed").isEqualTo("b");
        b.insert(live("s2", 256));
        assertThat(rows.place(t0).orElseThrow().name()).as("b is at its maximum of 1").isEqualTo("a");
        assertThat(rows.setDraining("a", true)).isTrue();
        assertThat(rows.place(t0)).as("a drains, b is full").isEmpty();
        assertThat(rows.setDraining("a", false)).isTrue();
        assertThat(rows.setDraining("nobody", true)).isFalse();
        assertThat(rows.liveSandboxesPerNode()).containsExactly(Map.entry("a", 1), Map.entry("b", 1));
        assertThat(rows.place(t0.plusSeconds(7))).as("every lease lapsed").isEmpty();
    }

    @Test
    void aNodeWhoseLeaseLapsedIsDeclaredLostWithItsSandboxesAndComesBack() {
        rows.register("a", "http://127.0.0.1:1", 0, t0, t0.plusSeconds(6));
        rows.register("b", "http://127.0.0.1:2", 0, t0, t0.plusSeconds(6));
        a.insert(live("on-a", 256));
        b.insert(live("on-b", 256));
        long before = rows.lastChange();
        assertThat(rows.renew("a", t0.plusSeconds(5), t0.plusSeconds(11))).isTrue();
        assertThat(rows.declareLost(t0.plusSeconds(5), "node_lost", "a")).as("no lease lapsed yet").isEmpty();

        assertThat(rows.declareLost(t0.plusSeconds(7), "node_lost", "a")).containsExactly("on-b");
        SandboxRecord ended = a.find("on-b").orElseThrow();
        assertThat(ended.state()).isEqualTo(SandboxState.KILLED);
        assertThat(ended.endReason()).isEqualTo("node_lost");
        assertThat(ended.envVars()).as("a tombstone keeps no secrets").isEmpty();
        assertThat(a.find("on-a").orElseThrow().state()).isEqualTo(SandboxState.RUNNING);
        assertThat(rows.changesAfter(before, 10)).extracting(ClusterStore.Change::sandboxId).containsExactly("on-b");
        assertThat(rows.declareLost(t0.plusSeconds(8), "node_lost", "a")).as("declared once").isEmpty();

        assertThat(rows.renew("b", t0.plusSeconds(9), t0.plusSeconds(15))).as("a lost node may not renew").isFalse();
        assertThat(rows.register("b", "http://127.0.0.1:2", 0, t0.plusSeconds(9), t0.plusSeconds(15)))
                .as("it re-joins and is told it was lost").contains(t0.plusSeconds(7));
        assertThat(rows.renew("b", t0.plusSeconds(10), t0.plusSeconds(16))).isTrue();
        assertThat(rows.nodes()).extracting(ClusterStore.Node::name, ClusterStore.Node::lostAt)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a", null), org.assertj.core.groups.Tuple.tuple("b", null));
    }

    @Test
    void theChangeFeedIsNumberedAndTrimmed() {
        long start = rows.lastChange();
        rows.publish("x", "a", t0);
        rows.publish("y", "b", t0.plusSeconds(1));
        assertThat(rows.changesAfter(start, 10)).extracting(ClusterStore.Change::sandboxId, ClusterStore.Change::node)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("x", "a"), org.assertj.core.groups.Tuple.tuple("y", "b"));
        assertThat(rows.changesAfter(start, 1)).hasSize(1);
        assertThat(rows.trimChanges(t0.plusMillis(500))).isEqualTo(1);
        assertThat(rows.changesAfter(start, 10)).extracting(ClusterStore.Change::sandboxId).containsExactly("y");
    }

    @Test
    void theFirstOfferedTlsAuthorityIsTheCluster() {
        assertThat(rows.authority()).isEmpty();
        rows.offerAuthority(new ClusterStore.Authority("CERT-A", "KEY-A"), t0);
        new ClusterStore(b).offerAuthority(new ClusterStore.Authority("CERT-B", "KEY-B"), t0);
        Optional<ClusterStore.Authority> ca = new ClusterStore(b).authority();
        assertThat(ca).contains(new ClusterStore.Authority("CERT-A", "KEY-A"));
        assertThat(ca.orElseThrow().toString()).doesNotContain("KEY-A");
    }

    @Test
    void everyNodeReadsTheNodeSecretTheFirstOneMade() {
        String first = rows.nodeSecret(t0);
        String second = new ClusterStore(b).nodeSecret(t0.plusSeconds(1));
        assertThat(second).as("the second node takes the stored secret, not its own").isEqualTo(first);
        assertThat(java.util.Base64.getDecoder().decode(first)).hasSize(32);
        // what one node signs, another verifies; a secret of the node's own would not
        var signed = dev.cove.core.routing.NodeForwardSignature.fromBase64(first)
                .sign(100, "GET", "h", "/p", "192.0.2.1", true);
        assertThat(dev.cove.core.routing.NodeForwardSignature.fromBase64(second).verify(signed, 100, "GET", "h", "/p"))
                .isEqualTo(new dev.cove.core.routing.NodeForwardSignature.Forwarded("192.0.2.1", true));
        assertThat(dev.cove.core.routing.NodeForwardSignature.fromBase64(dev.cove.core.routing.NodeForwardSignature.newSecret())
                .verify(signed, 100, "GET", "h", "/p")).isNull();
    }
}
