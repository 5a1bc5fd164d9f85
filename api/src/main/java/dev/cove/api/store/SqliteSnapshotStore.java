package dev.cove.api.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.cove.api.Json;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link SnapshotStore} in the SQLite file of {@link SqliteSandboxStore}. */
public final class SqliteSnapshotStore implements SnapshotStore {
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
    private static final String COLUMNS = "id, name, source_sandbox_id, source_template_id, template, template_revision, "
            + "layers, env_vars, created_at";

    private final DataSource dataSource;

    SqliteSnapshotStore(DataSource dataSource) { this.dataSource = dataSource; }

    @Override
    public void recordLayer(String key, Instant at) {
        Sql.update(dataSource, "record layer " + key,
                "INSERT INTO snapshot_layers (key, created_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", ps -> {
                    ps.setString(1, key);
                    Sql.setInstant(ps, 2, at);
                });
    }

    @Override
    public void save(SnapshotRecord s) {
        Sql.update(dataSource, "save snapshot " + s.id(), "INSERT OR REPLACE INTO snapshots (" + COLUMNS
                + ") VALUES (?,?,?,?,?,?,?,?,?)", ps -> {
            ps.setString(1, s.id());
            ps.setString(2, s.name());
            ps.setString(3, s.sourceSandboxId());
            ps.setString(4, s.sourceTemplateId());
            ps.setString(5, s.template());
            ps.setString(6, s.templateRevision());
            ps.setString(7, Json.string(s.layers()));
            ps.setString(8, Json.string(s.envVars()));
            Sql.setInstant(ps, 9, s.createdAt());
        });
    }

    @Override
    public Optional<SnapshotRecord> find(String id) {
        return Sql.query(dataSource, "read snapshot " + id, "SELECT " + COLUMNS + " FROM snapshots WHERE id = ?",
                ps -> ps.setString(1, id), SqliteSnapshotStore::map).stream().findFirst();
    }

    @Override
    public Optional<SnapshotRecord> findByName(String name) {
        return Sql.query(dataSource, "read snapshot " + name, "SELECT " + COLUMNS + " FROM snapshots WHERE name = ?",
                ps -> ps.setString(1, name), SqliteSnapshotStore::map).stream().findFirst();
    }

    @Override
    public List<SnapshotRecord> page(String sourceSandboxId, String idOrName, long beforeMillis, String beforeId,
                                     int limit) {
        return Sql.query(dataSource, "list snapshots", "SELECT " + COLUMNS + " FROM snapshots"
                        + " WHERE (created_at < ? OR (created_at = ? AND id < ?))"
                        + " AND (? IS NULL OR source_sandbox_id = ?)"
                        + " AND (? IS NULL OR id = ? OR name = ?)"
                        + " ORDER BY created_at DESC, id DESC LIMIT ?", ps -> {
                    ps.setLong(1, beforeMillis);
                    ps.setLong(2, beforeMillis);
                    ps.setString(3, beforeId);
                    ps.setString(4, sourceSandboxId);
                    ps.setString(5, sourceSandboxId);
                    ps.setString(6, idOrName);
                    ps.setString(7, idOrName);
                    ps.setString(8, idOrName);
                    ps.setInt(9, limit);
                }, SqliteSnapshotStore::map);
    }

    @Override
    public List<SnapshotRecord> all() {
        return Sql.query(dataSource, "list snapshots", "SELECT " + COLUMNS + " FROM snapshots ORDER BY created_at",
                ps -> { }, SqliteSnapshotStore::map);
    }

    @Override
    public void delete(String id) {
        Sql.update(dataSource, "delete snapshot " + id, "DELETE FROM snapshots WHERE id = ?", ps -> ps.setString(1, id));
    }

    @Override
    public Set<String> unnamedLayers() {
        Set<String> named = new HashSet<>();
        for (SnapshotRecord s : all()) named.addAll(s.layers());
        Set<String> out = new HashSet<>(Sql.query(dataSource, "list snapshot layers", "SELECT key FROM snapshot_layers",
                ps -> { }, rs -> rs.getString(1)));
        out.removeAll(named);
        return out;
    }

    @Override
    public void forgetLayer(String key) {
        Sql.update(dataSource, "forget layer " + key, "DELETE FROM snapshot_layers WHERE key = ?",
                ps -> ps.setString(1, key));
    }

    private static SnapshotRecord map(ResultSet rs) throws SQLException {
        try {
            return new SnapshotRecord(rs.getString("id"), rs.getString("name"), rs.getString("source_sandbox_id"),
                    rs.getString("source_template_id"), rs.getString("template"), rs.getString("template_revision"),
                    Json.MAPPER.readValue(rs.getString("layers"), STRINGS),
                    Json.MAPPER.readValue(rs.getString("env_vars"), STRING_MAP),
                    Instant.ofEpochMilli(rs.getLong("created_at")));
        } catch (IOException e) {
            throw new SQLException("unreadable snapshot row " + rs.getString("id") + ": " + e.getMessage(), e);
        }
    }
}
