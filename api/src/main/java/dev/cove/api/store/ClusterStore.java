package dev.cove.api.store;

import dev.cove.core.routing.NodeForwardSignature;

import javax.sql.DataSource;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The cluster's own rows in the PostgreSQL catalog (tables {@code nodes} and {@code changes} of
 * {@code db/migration/postgresql/V1__catalog}): membership leases, placement, lost nodes and the change feed. Plain
 * statements; the behaviour (renewal, leadership, following the feed) is {@code dev.cove.api.cluster}'s.
 */
public final class ClusterStore {
    /** Channel of {@code NOTIFY} after every change row: the doorbell of the change feed. */
    public static final String CHANNEL = "cove_changes";

    private final DataSource dataSource;

    public ClusterStore(JdbcSandboxStore store) { this.dataSource = store.dataSource(); }

    /** A member as placement and forwarding see it. */
    public record Node(String name, String url, Instant expiresAt, boolean draining, Instant lostAt) {}

    /** One change: something about {@code sandboxId} changed on {@code node}; read the row for what. */
    public record Change(long seq, String sandboxId, String node) {}

    /**
     * Registers (or re-registers) a node and gives it a lease until {@code expiresAt}; a node declared lost is a member
     * again. Returns when it had been declared lost, or empty.
     */
    public Optional<Instant> register(String name, String url, int maxSandboxes, Instant now, Instant expiresAt) {
        return Sql.inTransaction(dataSource, "register node " + name, c -> {
            Instant lostAt = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT lost_at FROM nodes WHERE name = ? FOR UPDATE")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) lostAt = Sql.instant(rs, "lost_at");
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO nodes (name, api_url, started_at, renewed_at, "
                    + "expires_at, max_sandboxes) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                    + "api_url = excluded.api_url, started_at = excluded.started_at, renewed_at = excluded.renewed_at, "
                    + "expires_at = excluded.expires_at, max_sandboxes = excluded.max_sandboxes, lost_at = NULL, draining = 0")) {
                ps.setString(1, name);
                ps.setString(2, url);
                ps.setLong(3, now.toEpochMilli());
                ps.setLong(4, now.toEpochMilli());
                ps.setLong(5, expiresAt.toEpochMilli());
                ps.setInt(6, maxSandboxes);
                ps.executeUpdate();
            }
            return Optional.ofNullable(lostAt);
        });
    }

    /**
     * Renews a lease. False when the node was declared lost meanwhile (its sandboxes are tombstones now): it must not
     * renew but destroy what it still holds and register again.
     */
    public boolean renew(String name, Instant now, Instant expiresAt) {
        return Sql.update(dataSource, "renew the lease of node " + name,
                "UPDATE nodes SET renewed_at = ?, expires_at = ? WHERE name = ? AND lost_at IS NULL", ps -> {
                    ps.setLong(1, now.toEpochMilli());
                    ps.setLong(2, expiresAt.toEpochMilli());
                    ps.setString(3, name);
                }) == 1;
    }

    public List<Node> nodes() {
        return Sql.query(dataSource, "list nodes", "SELECT name, api_url, expires_at, draining, lost_at FROM nodes "
                + "ORDER BY name", ps -> { }, rs -> new Node(rs.getString("name"), rs.getString("api_url"),
                Instant.ofEpochMilli(rs.getLong("expires_at")), rs.getInt("draining") != 0, Sql.instant(rs, "lost_at")));
    }

    /** Marks a node draining (placement skips it) or not; false when there is no such node. */
    public boolean setDraining(String name, boolean draining) {
        return Sql.update(dataSource, "set node " + name + " draining", "UPDATE nodes SET draining = ? WHERE name = ?", ps -> {
            ps.setInt(1, draining ? 1 : 0);
            ps.setString(2, name);
        }) == 1;
    }

    /** Live (starting, running, paused) sandboxes per node. */
    public java.util.Map<String, Integer> liveSandboxesPerNode() {
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        Sql.query(dataSource, "count sandboxes per node", "SELECT node, COUNT(*) FROM sandboxes "
                + "WHERE state IN ('starting', 'running', 'paused') GROUP BY node", ps -> { },
                rs -> counts.put(rs.getString(1), rs.getInt(2)));
        return counts;
    }

    /**
     * Where a new sandbox goes: the live, not draining node below its maximum with the least committed memory, then
     * CPUs, then sandboxes; empty when none can take it.
     */
    public Optional<Node> place(Instant now) {
        return Sql.query(dataSource, "place a sandbox",
                "SELECT n.name, n.api_url, n.expires_at, n.draining, n.lost_at FROM nodes n LEFT JOIN "
                        + "(SELECT node, SUM(memory_mb) AS mem, SUM(cpu_count) AS cpu, COUNT(*) AS cnt FROM sandboxes "
                        + "WHERE state IN ('starting', 'running', 'paused') GROUP BY node) s ON s.node = n.name "
                        + "WHERE n.expires_at > ? AND n.lost_at IS NULL AND n.draining = 0 "
                        + "AND (n.max_sandboxes = 0 OR COALESCE(s.cnt, 0) < n.max_sandboxes) "
                        + "ORDER BY COALESCE(s.mem, 0), COALESCE(s.cpu, 0), COALESCE(s.cnt, 0), n.name LIMIT 1",
                ps -> ps.setLong(1, now.toEpochMilli()),
                rs -> new Node(rs.getString("name"), rs.getString("api_url"), Instant.ofEpochMilli(rs.getLong("expires_at")),
                        rs.getInt("draining") != 0, Sql.instant(rs, "lost_at"))).stream().findFirst();
    }

    /**
     * The leader's sweep: every node whose lease ended before {@code now} is declared lost, and its live sandboxes
     * become tombstones (killed, {@code reason}), each with a change row, in one transaction. Returns the ids ended.
     */
    public List<String> declareLost(Instant now, String reason, String leader) {
        return Sql.inTransaction(dataSource, "declare lost nodes", c -> {
            List<String> lost = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("UPDATE nodes SET lost_at = ? WHERE expires_at < ? "
                    + "AND lost_at IS NULL RETURNING name")) {
                ps.setLong(1, now.toEpochMilli());
                ps.setLong(2, now.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) lost.add(rs.getString(1));
                }
            }
            List<String> ended = new ArrayList<>();
            for (String node : lost) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE sandboxes SET state = 'killed', ended_at = ?, "
                        + "end_reason = ?, env_vars = '{}', envd_access_token = NULL, traffic_access_token = NULL "
                        + "WHERE node = ? AND state IN ('starting', 'running', 'paused') RETURNING id")) {
                    ps.setLong(1, now.toEpochMilli());
                    ps.setString(2, reason);
                    ps.setString(3, node);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) ended.add(rs.getString(1));
                    }
                }
            }
            for (String id : ended) insertChange(c, id, leader, now);
            if (!ended.isEmpty()) notify(c);
            return ended;
        });
    }

    /** Records that {@code sandboxId} changed and rings the doorbell (one transaction: NOTIFY fires on commit). */
    public void publish(String sandboxId, String node, Instant at) {
        Sql.inTransaction(dataSource, "publish a change of " + sandboxId, c -> {
            insertChange(c, sandboxId, node, at);
            notify(c);
            return null;
        });
    }

    private static void insertChange(java.sql.Connection c, String sandboxId, String node, Instant at) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO changes (sandbox_id, node, at) VALUES (?, ?, ?)")) {
            ps.setString(1, sandboxId);
            ps.setString(2, node);
            ps.setLong(3, at.toEpochMilli());
            ps.executeUpdate();
        }
    }

    private static void notify(java.sql.Connection c) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("NOTIFY " + CHANNEL)) {
            ps.execute();
        }
    }

    /** Changes after {@code seq}, oldest first, at most {@code limit}. */
    public List<Change> changesAfter(long seq, int limit) {
        return Sql.query(dataSource, "read the change feed", "SELECT seq, sandbox_id, node FROM changes WHERE seq > ? "
                        + "ORDER BY seq LIMIT ?", ps -> {
                    ps.setLong(1, seq);
                    ps.setInt(2, limit);
                }, rs -> new Change(rs.getLong(1), rs.getString(2), rs.getString(3)));
    }

    /** The newest change number (0 when there is none): a node starting from the catalog follows from here. */
    public long lastChange() {
        return Sql.query(dataSource, "read the change feed", "SELECT COALESCE(MAX(seq), 0) FROM changes", ps -> { },
                rs -> rs.getLong(1)).getFirst();
    }

    /** The cluster's TLS authority, as PEM. The key is a secret: never log it. */
    public record Authority(String certificatePem, String privateKeyPem) {
        @Override
        public String toString() { return "Authority[certificate, key hidden]"; }
    }

    /** The stored authority, if a node offered one yet. */
    public Optional<Authority> authority() {
        return Sql.query(dataSource, "read the cluster's TLS authority", "SELECT certificate, private_key FROM cluster_ca WHERE id = 1",
                ps -> { }, rs -> new Authority(rs.getString(1), rs.getString(2))).stream().findFirst();
    }

    /** Offers this node's authority; the first offer is kept, later ones do nothing (read {@link #authority()} after). */
    public void offerAuthority(Authority authority, Instant at) {
        Sql.update(dataSource, "store the cluster's TLS authority", "INSERT INTO cluster_ca (id, certificate, private_key, "
                + "created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING", ps -> {
            ps.setString(1, authority.certificatePem());
            ps.setString(2, authority.privateKeyPem());
            ps.setLong(3, at.toEpochMilli());
        });
    }

    /**
     * The cluster's node-to-node secret (base64), made now if no node offered one yet: the first offer is kept, so
     * every node reads the same. Never log it.
     */
    public String nodeSecret(Instant at) {
        Sql.update(dataSource, "store the cluster's node secret", "INSERT INTO cluster_secret (id, secret, created_at) "
                + "VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING", ps -> {
            ps.setString(1, NodeForwardSignature.newSecret());
            ps.setLong(2, at.toEpochMilli());
        });
        return Sql.query(dataSource, "read the cluster's node secret", "SELECT secret FROM cluster_secret WHERE id = 1",
                ps -> { }, rs -> rs.getString(1)).getFirst();
    }

    /** Deletes change rows older than {@code cutoff} (a node that was away longer reloads everything). */
    public int trimChanges(Instant cutoff) {
        return Sql.update(dataSource, "trim the change feed", "DELETE FROM changes WHERE at < ?",
                ps -> ps.setLong(1, cutoff.toEpochMilli()));
    }
}
