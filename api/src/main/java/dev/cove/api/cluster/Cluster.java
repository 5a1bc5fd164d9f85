package dev.cove.api.cluster;

import dev.cove.api.lifecycle.EndReason;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.store.ClusterStore;
import dev.cove.api.store.JdbcSandboxStore;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * This node as a member of the cluster. {@link #register()} (before recovery) renews its lease at once, so the
 * leader cannot declare it lost while it re-adopts its sandboxes; {@link #start()} then follows the change feed
 * (a LISTEN connection as the doorbell, a catch-up by sequence number at every ring and every second, a full reload
 * every {@link #RELOAD_INTERVAL}), renews the lease every third of it, and takes its turn at leading: whoever holds
 * the advisory lock declares nodes whose lease lapsed lost (their sandboxes become tombstones, {@code node_lost}).
 * A node that finds it was declared lost destroys what it still held and registers again.
 */
public final class Cluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);
    /** The advisory lock of the leader ("cove" in ASCII). */
    static final long LEADER_LOCK = 0x636f7665L;
    static final Duration RELOAD_INTERVAL = Duration.ofSeconds(30);
    static final Duration CHANGE_RETENTION = Duration.ofHours(1);

    private final ClusterConfig config;
    private final JdbcSandboxStore store;
    private final ClusterStore rows;
    private final SandboxService sandboxes;
    private final Clock clock;
    private final Map<String, InetSocketAddress> edges = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers =
            Executors.newScheduledThreadPool(2, Thread.ofPlatform().daemon().name("cove-cluster-", 0).factory());
    private volatile boolean closed;
    private volatile long seq;
    private Thread follower;
    private Connection leaderSession;
    private Instant leaderSince;
    private Instant lastReload = Instant.EPOCH;
    private Instant lastTrim = Instant.EPOCH;

    public Cluster(ClusterConfig config, JdbcSandboxStore store, SandboxService sandboxes, Clock clock) {
        this.config = config;
        this.store = store;
        this.rows = new ClusterStore(store);
        this.sandboxes = sandboxes;
        this.clock = clock;
    }

    public ClusterConfig config() { return config; }

    public ClusterStore rows() { return rows; }

    /** Joins (or re-joins) with a fresh lease; says so when this node had been declared lost. */
    public void register() {
        Instant now = clock.instant();
        Optional<Instant> lostAt = rows.register(config.node(), config.url().toString(), config.maxSandboxes(), now,
                now.plus(config.lease()));
        lostAt.ifPresent(at -> LOG.warn("This node ({}) was declared lost at {}; the sandboxes it held then were "
                + "ended (node_lost) and are destroyed now", config.node(), at));
        LOG.info("Node {} joined the cluster at {} (lease {} s)", config.node(), config.url(), config.lease().toSeconds());
    }

    /** Loads the other nodes' sandboxes, then follows the feed, renews the lease and takes part in leading. */
    public void start() {
        seq = rows.lastChange();
        reload();
        sandboxes.onRouteChange(this::publish);
        long renewMs = Math.max(200, config.lease().toMillis() / 3);
        timers.scheduleWithFixedDelay(this::renew, renewMs, renewMs, TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(this::lead, 500, 1000, TimeUnit.MILLISECONDS);
        follower = Thread.ofPlatform().daemon().name("cove-cluster-feed").start(this::follow);
    }

    // ------------------------------------------------------------------------------------------------ lease

    private void renew() {
        try {
            Instant now = clock.instant();
            if (!rows.renew(config.node(), now, now.plus(config.lease()))) {
                LOG.warn("Node {} was declared lost (its lease lapsed); destroying what the catalog ended and re-joining",
                        config.node());
                reload(); // ends here, in step with the catalog, whatever this node held that was declared lost
                register();
            }
        } catch (RuntimeException e) {
            LOG.warn("Renewing the lease of node {} failed: {}", config.node(), e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------------------------ leader

    private void lead() {
        try {
            if (leaderSession == null || !leaderSession.isValid(2)) {
                closeQuietly(leaderSession);
                leaderSession = null;
                leaderSince = null;
                Connection c = store.dataSource().getConnection();
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                    ps.setLong(1, LEADER_LOCK);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            c.close();
                            return;
                        }
                    }
                }
                leaderSession = c;
                leaderSince = clock.instant();
                LOG.info("Node {} leads the cluster", config.node());
            }
            Instant now = clock.instant();
            // A new leader first waits one lease: after the database was away, every node needs a chance to renew
            // before anyone's lapsed lease means it is gone.
            if (Duration.between(leaderSince, now).compareTo(config.lease()) < 0) return;
            List<String> ended = rows.declareLost(now, EndReason.NODE_LOST, config.node());
            if (!ended.isEmpty()) {
                LOG.warn("Declared {} sandbox(es) of lost node(s) ended (node_lost): {}", ended.size(), ended);
                for (String id : ended) apply(id); // the feed skips this node's own changes
            }
            if (Duration.between(lastTrim, now).compareTo(Duration.ofMinutes(5)) > 0) {
                lastTrim = now;
                rows.trimChanges(now.minus(CHANGE_RETENTION));
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Leader duties failed (will retry): {}", e.getMessage());
            closeQuietly(leaderSession);
            leaderSession = null;
        }
    }

    // ------------------------------------------------------------------------------------------------ feed

    /** Tells the other nodes that this node changed a sandbox's route. */
    private void publish(String sandboxId) {
        try {
            rows.publish(sandboxId, config.node(), clock.instant());
        } catch (RuntimeException e) {
            // the others catch up at their next full reload
            LOG.warn("Publishing a change of {} failed: {}", sandboxId, e.getMessage());
        }
    }

    private void follow() {
        while (!closed) {
            try (Connection c = store.dataSource().getConnection()) {
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + ClusterStore.CHANNEL);
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    catchUp();
                    pg.getNotifications(1000); // the doorbell, or a second: catch up either way
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) return;
                LOG.warn("Following the change feed failed (retrying in 1 s): {}", e.getMessage());
                sleep(1000);
            }
        }
    }

    private void catchUp() {
        Instant now = clock.instant();
        if (Duration.between(lastReload, now).compareTo(RELOAD_INTERVAL) > 0) reload();
        while (true) {
            List<ClusterStore.Change> changes = rows.changesAfter(seq, 500);
            for (ClusterStore.Change ch : changes) {
                if (!ch.node().equals(config.node())) apply(ch.sandboxId());
                seq = ch.seq();
            }
            if (changes.size() < 500) return;
        }
    }

    private void apply(String sandboxId) {
        SandboxRecord row = store.find(sandboxId).orElse(null);
        sandboxes.reconciler().follow(sandboxId, row, row == null || row.node() == null ? null : edgeOf(row.node()));
    }

    /** Every live sandbox of the others, and this node's own that the catalog ended: the feed's safety net. */
    private synchronized void reload() {
        lastReload = clock.instant();
        refreshEdges();
        for (SandboxRecord row : store.findByStates(EnumSet.of(SandboxState.STARTING, SandboxState.RUNNING, SandboxState.PAUSED))) {
            if (!config.node().equals(row.node())) sandboxes.reconciler().follow(row.id(), row, edgeOf(row.node()));
        }
        for (SandboxRecord row : store.findByStates(EnumSet.of(SandboxState.KILLED, SandboxState.EXPIRED))) {
            sandboxes.reconciler().follow(row.id(), row, null);
        }
    }

    private InetSocketAddress edgeOf(String node) {
        InetSocketAddress a = edges.get(node);
        if (a == null) {
            refreshEdges();
            a = edges.get(node);
        }
        return a;
    }

    private void refreshEdges() {
        for (ClusterStore.Node n : rows.nodes()) {
            if (!n.name().equals(config.node())) edges.put(n.name(), ClusterConfig.edgeAddress(n.url()));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException ignored) {
            // the session is gone anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        timers.shutdownNow();
        try {
            timers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (follower != null) {
            follower.interrupt();
            try {
                follower.join(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (leaderSession != null) {
            try (Statement st = leaderSession.createStatement()) {
                st.execute("SELECT pg_advisory_unlock_all()"); // the pooled session outlives this node's turn
            } catch (SQLException ignored) {
                // a dead session holds no lock
            }
        }
        closeQuietly(leaderSession);
    }
}
