package dev.cove.api.store;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.cove.api.Json;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** {@link TemplateStore} in the SQLite file of {@link SqliteSandboxStore} (tables from {@code V22__templates}). */
public final class SqliteTemplateStore implements TemplateStore {
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
    private static final String T_COLUMNS = "id, name, created_at, updated_at, cpu_count, memory_mb, ready_build_id";
    private static final String B_COLUMNS = "id, template_id, status, created_at, updated_at, finished_at, tags, image, "
            + "reason, logs, made_layers";

    private final DataSource dataSource;

    SqliteTemplateStore(DataSource dataSource) { this.dataSource = dataSource; }

    @Override
    public TemplateRecord insertOrGet(TemplateRecord t) {
        Sql.update(dataSource, "save template " + t.name(),
                "INSERT INTO templates (" + T_COLUMNS + ") VALUES (?,?,?,?,?,?,?) ON CONFLICT (name) DO NOTHING", ps -> {
                    ps.setString(1, t.id());
                    ps.setString(2, t.name());
                    Sql.setInstant(ps, 3, t.createdAt());
                    Sql.setInstant(ps, 4, t.updatedAt());
                    ps.setInt(5, t.cpuCount());
                    ps.setInt(6, t.memoryMB());
                    ps.setString(7, t.readyBuildId());
                });
        return findByName(t.name()).orElseThrow();
    }

    @Override
    public Optional<TemplateRecord> find(String id) {
        return Sql.query(dataSource, "read template " + id, "SELECT " + T_COLUMNS + " FROM templates WHERE id = ?",
                ps -> ps.setString(1, id), SqliteTemplateStore::template).stream().findFirst();
    }

    @Override
    public Optional<TemplateRecord> findByName(String name) {
        return Sql.query(dataSource, "read template " + name, "SELECT " + T_COLUMNS + " FROM templates WHERE name = ?",
                ps -> ps.setString(1, name), SqliteTemplateStore::template).stream().findFirst();
    }

    @Override
    public List<TemplateRecord> list() {
        return Sql.query(dataSource, "list templates", "SELECT " + T_COLUMNS + " FROM templates ORDER BY created_at",
                ps -> { }, SqliteTemplateStore::template);
    }

    @Override
    public void setReadyBuild(String templateId, String buildId, Instant at) {
        Sql.update(dataSource, "set the ready build of " + templateId,
                "UPDATE templates SET ready_build_id = ?, updated_at = ? WHERE id = ?", ps -> {
                    ps.setString(1, buildId);
                    Sql.setInstant(ps, 2, at);
                    ps.setString(3, templateId);
                });
    }

    @Override
    public void delete(String templateId) {
        Sql.update(dataSource, "delete template " + templateId, "DELETE FROM templates WHERE id = ?",
                ps -> ps.setString(1, templateId));
    }

    @Override
    public void insertBuild(BuildRecord b) {
        Sql.update(dataSource, "save build " + b.id(),
                "INSERT INTO template_builds (" + B_COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?)", ps -> {
                    ps.setString(1, b.id());
                    ps.setString(2, b.templateId());
                    ps.setString(3, b.status());
                    Sql.setInstant(ps, 4, b.createdAt());
                    Sql.setInstant(ps, 5, b.updatedAt());
                    Sql.setInstant(ps, 6, b.finishedAt());
                    ps.setString(7, Json.string(b.tags()));
                    ps.setString(8, b.image());
                    ps.setString(9, b.reason());
                    ps.setString(10, b.logs() == null ? "[]" : b.logs());
                    ps.setString(11, Json.string(b.madeLayers()));
                });
    }

    @Override
    public Optional<BuildRecord> findBuild(String buildId) {
        return Sql.query(dataSource, "read build " + buildId, "SELECT " + B_COLUMNS + " FROM template_builds WHERE id = ?",
                ps -> ps.setString(1, buildId), SqliteTemplateStore::build).stream().findFirst();
    }

    @Override
    public List<BuildRecord> builds(String templateId) {
        return Sql.query(dataSource, "list the builds of " + templateId,
                "SELECT " + B_COLUMNS + " FROM template_builds WHERE template_id = ? ORDER BY created_at DESC",
                ps -> ps.setString(1, templateId), SqliteTemplateStore::build);
    }

    @Override
    public void markBuilding(String buildId, Instant at) {
        Sql.update(dataSource, "start build " + buildId,
                "UPDATE template_builds SET status = 'building', updated_at = ? WHERE id = ?", ps -> {
                    Sql.setInstant(ps, 1, at);
                    ps.setString(2, buildId);
                });
    }

    @Override
    public void finishBuild(String buildId, String status, Instant at, String image, String reason, String logs,
                            List<String> madeLayers) {
        Sql.update(dataSource, "end build " + buildId,
                "UPDATE template_builds SET status = ?, updated_at = ?, finished_at = ?, image = ?, reason = ?, logs = ?,"
                        + " made_layers = ? WHERE id = ?", ps -> {
                    ps.setString(1, status);
                    Sql.setInstant(ps, 2, at);
                    Sql.setInstant(ps, 3, at);
                    ps.setString(4, image);
                    ps.setString(5, reason);
                    ps.setString(6, logs == null ? "[]" : logs);
                    ps.setString(7, Json.string(madeLayers == null ? List.of() : madeLayers));
                    ps.setString(8, buildId);
                });
    }

    @Override
    public List<BuildRecord> unfinishedBuilds() {
        return Sql.query(dataSource, "list unfinished builds",
                "SELECT " + B_COLUMNS + " FROM template_builds WHERE status IN ('waiting', 'building')", ps -> { },
                SqliteTemplateStore::build);
    }

    private static TemplateRecord template(ResultSet rs) throws SQLException {
        return new TemplateRecord(rs.getString("id"), rs.getString("name"), Sql.instant(rs, "created_at"),
                Sql.instant(rs, "updated_at"), rs.getInt("cpu_count"), rs.getInt("memory_mb"),
                rs.getString("ready_build_id"));
    }

    private static BuildRecord build(ResultSet rs) throws SQLException {
        return new BuildRecord(rs.getString("id"), rs.getString("template_id"), rs.getString("status"),
                Sql.instant(rs, "created_at"), Sql.instant(rs, "updated_at"), Sql.instant(rs, "finished_at"),
                strings(rs.getString("tags")), rs.getString("image"), rs.getString("reason"), rs.getString("logs"),
                strings(rs.getString("made_layers")));
    }

    private static List<String> strings(String json) {
        try {
            return json == null ? List.of() : Json.MAPPER.readValue(json, STRINGS);
        } catch (IOException e) {
            return List.of();
        }
    }
}
