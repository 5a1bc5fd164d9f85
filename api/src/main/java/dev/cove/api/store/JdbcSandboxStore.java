package dev.cove.api.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.cove.api.Json;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The catalog in SQL, one implementation for both engines: the embedded default, one SQLite file in WAL mode
 * (readers never block the writer; every write is one autocommit statement, so SQLite's busy timeout serializes
 * writers), and PostgreSQL for a cluster ({@code cove server --store postgresql://...}), whose schema has the same
 * tables and columns plus the owning {@code node} of each sandbox. Both are reached through a small Hikari pool
 * and migrated by Flyway ({@code db/migration/sqlite}, {@code db/migration/postgresql}).
 */
public final class JdbcSandboxStore implements SandboxStore {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcSandboxStore.class);
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
    private static final String COLUMNS = "id, template_id, alias, client_id, state, metadata, env_vars, cpu_count, "
            + "memory_mb, disk_size_mb, started_at, end_at, envd_access_token, traffic_access_token, "
            + "allow_internet_access, network, auto_pause, auto_resume, ended_at, end_reason";

    private static final String HIKARI_ALIVE_BYPASS = "com.zaxxer.hikari.aliveBypassWindowMs";

    private final HikariDataSource dataSource;
    private final Path file;
    private final String node;
    private final String columns;

    private JdbcSandboxStore(HikariDataSource dataSource, Path file, String node) {
        this.dataSource = dataSource;
        this.file = file;
        this.node = node;
        this.columns = node == null ? COLUMNS : COLUMNS + ", node";
    }

    /** Opens (creating and migrating if needed) the database file; only the owner may read it. */
    public static JdbcSandboxStore openSqlite(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
        } catch (IOException e) {
            throw new StoreException("cannot create the database file " + file + ": " + e.getMessage(), e);
        }
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("cove-sqlite");
        hikari.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath()
                + "?journal_mode=WAL&busy_timeout=10000&synchronous=NORMAL&foreign_keys=true");
        hikari.setMaximumPoolSize(4);
        hikari.setMinimumIdle(1);
        hikari.setConnectionTimeout(10_000);
        HikariDataSource ds = new HikariDataSource(hikari);
        migrate(ds, "sqlite", file.toString());
        LOG.info("Sandbox store: SQLite {}", file);
        return new JdbcSandboxStore(ds, file, null);
    }

    /**
     * Connects to the cluster's PostgreSQL database as node {@code node} and migrates it (Flyway takes a lock, so
     * nodes starting together migrate once). A database that cannot be reached fails here, in words naming the
     * host and database but never the password.
     */
    public static JdbcSandboxStore openPostgres(PostgresLocation location, String node) {
        // Check every connection as it leaves the pool (one loopback round trip), not only those idle for 500 ms:
        // after a database restart no API call may get a connection the server already closed.
        if (System.getProperty(HIKARI_ALIVE_BYPASS) == null) System.setProperty(HIKARI_ALIVE_BYPASS, "0");
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("cove-postgresql");
        hikari.setJdbcUrl(location.jdbcUrl());
        hikari.setUsername(location.user());
        if (location.password() != null) hikari.setPassword(location.password());
        hikari.setMaximumPoolSize(10); // two stay with the cluster: the feed's LISTEN and the leader's lock
        hikari.setMinimumIdle(1);
        // a store that is down answers 503 within seconds instead of holding API calls
        hikari.setConnectionTimeout(3_000);
        hikari.setValidationTimeout(2_000);
        hikari.addDataSourceProperty("connectTimeout", "3");
        hikari.addDataSourceProperty("socketTimeout", "30");
        hikari.addDataSourceProperty("ApplicationName", "cove " + node);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(hikari);
        } catch (RuntimeException e) {
            throw new StoreException("cannot connect to the store " + location + ": " + rootMessage(e), e);
        }
        migrate(ds, "postgresql", location.toString());
        LOG.info("Sandbox store: PostgreSQL {} (node {})", location, node);
        return new JdbcSandboxStore(ds, null, node);
    }

    private static void migrate(HikariDataSource ds, String engine, String where) {
        try {
            Flyway.configure().dataSource(ds).locations("classpath:db/migration/" + engine).load().migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw new StoreException("cannot migrate the database " + where + ": " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage();
    }

    /** The node this store writes as (cluster mode), or null on a single host. */
    @Override
    public String node() { return node; }

    /** The pool, for the cluster's own tables (membership, change feed) in the same database. */
    public DataSource dataSource() { return dataSource; }

    public Path file() { return file; }

    @Override
    public void insert(SandboxRecord s) {
        String sql = "INSERT INTO sandboxes (" + columns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?" + (node == null ? ")" : ",?)");
        update("insert sandbox " + s.id(), sql, ps -> {
            ps.setString(1, s.id());
            ps.setString(2, s.templateId());
            ps.setString(3, s.alias());
            ps.setString(4, s.clientId());
            ps.setString(5, s.state().wire());
            ps.setString(6, Json.string(s.metadata()));
            ps.setString(7, Json.string(s.envVars()));
            ps.setInt(8, s.cpuCount());
            ps.setInt(9, s.memoryMB());
            ps.setInt(10, s.diskSizeMB());
            ps.setLong(11, s.startedAt().toEpochMilli());
            ps.setLong(12, s.endAt().toEpochMilli());
            ps.setString(13, s.envdAccessToken());
            ps.setString(14, s.trafficAccessToken());
            if (s.allowInternetAccess() == null) ps.setNull(15, Types.INTEGER);
            else ps.setInt(15, s.allowInternetAccess() ? 1 : 0);
            ps.setString(16, s.network() == null ? null : Json.string(s.network()));
            ps.setInt(17, s.autoPause() ? 1 : 0);
            ps.setInt(18, s.autoResume() ? 1 : 0);
            if (s.endedAt() == null) ps.setNull(19, Types.INTEGER);
            else ps.setLong(19, s.endedAt().toEpochMilli());
            ps.setString(20, s.endReason());
            if (node != null) ps.setString(21, s.node() == null ? node : s.node());
        });
    }

    @Override
    public Optional<SandboxRecord> find(String id) {
        List<SandboxRecord> rows = query("find sandbox " + id, "SELECT " + columns + " FROM sandboxes WHERE id = ?",
                ps -> ps.setString(1, id));
        return rows.stream().findFirst();
    }

    @Override
    public List<SandboxRecord> findByStates(Collection<SandboxState> states) {
        return findByStates(states, null);
    }

    @Override
    public List<SandboxRecord> findOwnByStates(Collection<SandboxState> states) {
        return findByStates(states, node);
    }

    private List<SandboxRecord> findByStates(Collection<SandboxState> states, String owner) {
        if (states.isEmpty()) return List.of();
        List<SandboxState> list = List.copyOf(states);
        String marks = list.stream().map(s -> "?").collect(Collectors.joining(","));
        return query("find sandboxes by state", "SELECT " + columns + " FROM sandboxes WHERE state IN (" + marks + ")"
                        + (owner == null ? "" : " AND node = ?"),
                ps -> {
                    for (int i = 0; i < list.size(); i++) ps.setString(i + 1, list.get(i).wire());
                    if (owner != null) ps.setString(list.size() + 1, owner);
                });
    }

    @Override
    public void markRunning(String id, Instant startedAt, Instant endAt) {
        int n = update("mark sandbox " + id + " running",
                "UPDATE sandboxes SET state = 'running', started_at = ?, end_at = ? WHERE id = ?", ps -> {
                    ps.setLong(1, startedAt.toEpochMilli());
                    ps.setLong(2, endAt.toEpochMilli());
                    ps.setString(3, id);
                });
        requireOne(n, id);
    }

    @Override
    public void updateEndAt(String id, Instant endAt) {
        int n = update("update end of sandbox " + id, "UPDATE sandboxes SET end_at = ? WHERE id = ?", ps -> {
            ps.setLong(1, endAt.toEpochMilli());
            ps.setString(2, id);
        });
        requireOne(n, id);
    }

    @Override
    public void saveAutoPauseMemory(String id, boolean keepMemory) {
        update("save autoPauseMemory of " + id, "INSERT INTO sandbox_pause (sandbox_id, auto_pause_memory) VALUES (?, ?) "
                + "ON CONFLICT (sandbox_id) DO UPDATE SET auto_pause_memory = excluded.auto_pause_memory", ps -> {
            ps.setString(1, id);
            ps.setInt(2, keepMemory ? 1 : 0);
        });
    }

    @Override
    public boolean autoPauseMemory(String id) {
        return Sql.query(dataSource, "read autoPauseMemory of " + id,
                "SELECT auto_pause_memory FROM sandbox_pause WHERE sandbox_id = ?", ps -> ps.setString(1, id),
                rs -> rs.getInt(1) != 0).stream().findFirst().orElse(true);
    }

    @Override
    public boolean markPaused(String id, Instant at, boolean withMemory) {
        return inTransaction("pause sandbox " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE sandboxes SET state = 'paused' WHERE id = ? AND state = 'running'")) {
                ps.setString(1, id);
                if (ps.executeUpdate() != 1) return false;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO sandbox_pause (sandbox_id, paused_at, paused_with_memory) "
                    + "VALUES (?, ?, ?) ON CONFLICT (sandbox_id) DO UPDATE SET paused_at = excluded.paused_at, "
                    + "paused_with_memory = excluded.paused_with_memory")) {
                ps.setString(1, id);
                ps.setLong(2, at.toEpochMilli());
                ps.setInt(3, withMemory ? 1 : 0);
                ps.executeUpdate();
            }
            return true;
        });
    }

    @Override
    public Optional<PauseInfo> pauseInfo(String id) {
        return Sql.query(dataSource, "read the pause of " + id,
                "SELECT paused_at, paused_with_memory FROM sandbox_pause WHERE sandbox_id = ? AND paused_at IS NOT NULL",
                ps -> ps.setString(1, id),
                rs -> new PauseInfo(Instant.ofEpochMilli(rs.getLong(1)), rs.getInt(2) != 0)).stream().findFirst();
    }

    @Override
    public void markResumed(String id, Instant startedAt, Instant endAt) {
        boolean done = inTransaction("resume sandbox " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE sandboxes SET state = 'running', started_at = ?, end_at = ? WHERE id = ? AND state = 'paused'")) {
                ps.setLong(1, startedAt.toEpochMilli());
                ps.setLong(2, endAt.toEpochMilli());
                ps.setString(3, id);
                if (ps.executeUpdate() != 1) return false;
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE sandbox_pause SET paused_at = NULL, paused_with_memory = NULL WHERE sandbox_id = ?")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            return true;
        });
        if (!done) throw new StoreException("sandbox " + id + " is not paused");
    }

    private <T> T inTransaction(String what, Sql.Work<T> work) {
        return Sql.inTransaction(dataSource, what, work);
    }

    @Override
    public void updateTrafficAccessToken(String id, String token) {
        requireOne(update("set the traffic access token of " + id,
                "UPDATE sandboxes SET traffic_access_token = ? WHERE id = ? AND ended_at IS NULL", ps -> {
                    ps.setString(1, token);
                    ps.setString(2, id);
                }), id);
    }

    @Override
    public void updateNetwork(String id, Boolean allowInternetAccess, NetworkConfig network) {
        int n = update("update network of sandbox " + id,
                "UPDATE sandboxes SET allow_internet_access = ?, network = ? WHERE id = ?", ps -> {
                    if (allowInternetAccess == null) ps.setNull(1, Types.INTEGER);
                    else ps.setInt(1, allowInternetAccess ? 1 : 0);
                    ps.setString(2, network == null ? null : Json.string(network));
                    ps.setString(3, id);
                });
        requireOne(n, id);
    }

    @Override
    public void markEnded(String id, SandboxState endState, Instant endedAt, String reason) {
        if (!endState.isEnded()) throw new IllegalArgumentException("not an end state: " + endState);
        int n = update("end sandbox " + id, "UPDATE sandboxes SET state = ?, ended_at = ?, end_reason = ?, "
                + "env_vars = '{}', envd_access_token = NULL, traffic_access_token = NULL WHERE id = ?", ps -> {
            ps.setString(1, endState.wire());
            ps.setLong(2, endedAt.toEpochMilli());
            ps.setString(3, reason);
            ps.setString(4, id);
        });
        requireOne(n, id);
    }

    @Override
    public List<String> purgeEndedBefore(Instant cutoff) {
        List<String> ids = new ArrayList<>();
        // RETURNING makes select-and-delete one statement, so a concurrent change cannot slip between them.
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM sandboxes WHERE ended_at IS NOT NULL "
                     + "AND ended_at < ? AND state IN ('killed', 'expired') RETURNING id")) {
            ps.setLong(1, cutoff.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) ids.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new StoreException("cannot purge tombstones: " + e.getMessage(), e);
        }
        return ids;
    }

    @Override
    public List<String> apiKeyHashes() {
        List<String> hashes = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT hash FROM api_keys");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) hashes.add(rs.getString(1));
        } catch (SQLException e) {
            throw new StoreException("cannot read API keys: " + e.getMessage(), e);
        }
        return hashes;
    }

    @Override
    public void replaceApiKeys(String source, String hash, Instant createdAt) {
        inTransaction("store the API key hash", c -> {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM api_keys WHERE source = ? OR hash = ?");
                 PreparedStatement ins = c.prepareStatement(
                         "INSERT INTO api_keys (hash, source, created_at, id, name) VALUES (?, ?, ?, ?, ?)")) {
                del.setString(1, source);
                del.setString(2, hash);
                del.executeUpdate();
                ins.setString(1, hash);
                ins.setString(2, source);
                ins.setLong(3, createdAt.toEpochMilli());
                ins.setString(4, "key_" + hash.substring(0, 16));
                ins.setString(5, source);
                ins.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<ApiKeyRow> apiKeys() {
        return Sql.query(dataSource, "list API keys", "SELECT id, name, source, masked, created_at FROM api_keys "
                        + "ORDER BY created_at, id", ps -> { },
                rs -> new ApiKeyRow(rs.getString("id"), rs.getString("name"), rs.getString("source"),
                        rs.getString("masked"), Instant.ofEpochMilli(rs.getLong("created_at"))));
    }

    @Override
    public void insertApiKey(ApiKeyRow key, String hash) {
        update("store API key " + key.id(), "INSERT INTO api_keys (hash, source, created_at, id, name, masked) "
                + "VALUES (?, ?, ?, ?, ?, ?)", ps -> {
            ps.setString(1, hash);
            ps.setString(2, key.source());
            ps.setLong(3, key.createdAt().toEpochMilli());
            ps.setString(4, key.id());
            ps.setString(5, key.name());
            ps.setString(6, key.masked());
        });
    }

    @Override
    public boolean deleteApiKey(String id) {
        return update("delete API key " + id, "DELETE FROM api_keys WHERE id = ?", ps -> ps.setString(1, id)) == 1;
    }

    @Override
    public void close() { dataSource.close(); }

    private static void requireOne(int updated, String id) {
        if (updated != 1) throw new StoreException("no sandbox row " + id);
    }

    private int update(String what, String sql, Sql.Binder binder) {
        return Sql.update(dataSource, what, sql, binder);
    }

    private List<SandboxRecord> query(String what, String sql, Sql.Binder binder) {
        return Sql.query(dataSource, what, sql, binder, this::map);
    }

    /** Port access, share links and audit events, in the same database. */
    public JdbcPortAccessStore portAccess() { return new JdbcPortAccessStore(dataSource); }

    /** Templates built through the API, in the same file. */
    public SqliteTemplateStore templates() { return new SqliteTemplateStore(dataSource); }

    /** Snapshots and the layers they captured, in the same file. */
    public SqliteSnapshotStore snapshots() { return new SqliteSnapshotStore(dataSource); }

    private SandboxRecord map(ResultSet rs) throws SQLException {
        int allow = rs.getInt("allow_internet_access");
        Boolean allowInternet = rs.wasNull() ? null : allow != 0;
        long endedAtMs = rs.getLong("ended_at");
        Instant endedAt = rs.wasNull() ? null : Instant.ofEpochMilli(endedAtMs);
        String network = rs.getString("network");
        return new SandboxRecord(
                rs.getString("id"), rs.getString("template_id"), rs.getString("alias"), rs.getString("client_id"),
                SandboxState.fromWire(rs.getString("state")),
                readMap(rs.getString("metadata")), readMap(rs.getString("env_vars")),
                rs.getInt("cpu_count"), rs.getInt("memory_mb"), rs.getInt("disk_size_mb"),
                Instant.ofEpochMilli(rs.getLong("started_at")), Instant.ofEpochMilli(rs.getLong("end_at")),
                rs.getString("envd_access_token"), rs.getString("traffic_access_token"), allowInternet,
                network == null ? null : readNetwork(network),
                rs.getInt("auto_pause") != 0, rs.getInt("auto_resume") != 0, endedAt, rs.getString("end_reason"),
                node == null ? null : rs.getString("node"));
    }

    private static Map<String, String> readMap(String json) {
        try {
            return json == null ? Map.of() : Json.MAPPER.readValue(json, STRING_MAP);
        } catch (IOException e) {
            throw new StoreException("corrupt JSON map column", e);
        }
    }

    private static NetworkConfig readNetwork(String json) {
        try {
            return Json.MAPPER.readValue(json, NetworkConfig.class);
        } catch (IOException e) {
            throw new StoreException("corrupt network column", e);
        }
    }
}
