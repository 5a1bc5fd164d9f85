package dev.cove.api.store;

import dev.cove.core.routing.PortAccess;

import javax.sql.DataSource;
import java.sql.PreparedStatement;
import java.sql.Types;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link PortAccessStore} in the SQLite file of {@link JdbcSandboxStore} (tables from {@code V2__port_access_links_audit}). */
public final class JdbcPortAccessStore implements PortAccessStore {
    private final DataSource dataSource;

    JdbcPortAccessStore(DataSource dataSource) { this.dataSource = dataSource; }

    @Override
    public void saveDefaultAccess(String sandboxId, PortAccess access) {
        Sql.update(dataSource, "save the port access of " + sandboxId,
                "INSERT INTO sandbox_ingress (sandbox_id, default_access) VALUES (?, ?) "
                        + "ON CONFLICT (sandbox_id) DO UPDATE SET default_access = excluded.default_access", ps -> {
                    ps.setString(1, sandboxId);
                    ps.setString(2, access.wire());
                });
    }

    @Override
    public Optional<PortAccess> defaultAccess(String sandboxId) {
        return Sql.query(dataSource, "read the port access of " + sandboxId,
                "SELECT default_access FROM sandbox_ingress WHERE sandbox_id = ?", ps -> ps.setString(1, sandboxId),
                rs -> PortAccess.parse(rs.getString(1), "default_access")).stream().findFirst();
    }

    @Override
    public void putPortRule(String sandboxId, PortRuleRow rule) {
        Sql.update(dataSource, "save the rule of port " + rule.port() + " of " + sandboxId,
                "INSERT INTO port_rules (sandbox_id, port, access, exposed_until, closed_at, updated_at, cross_site) "
                        + "VALUES (?,?,?,?,?,?,?) ON CONFLICT (sandbox_id, port) DO UPDATE SET access = excluded.access, "
                        + "exposed_until = excluded.exposed_until, closed_at = excluded.closed_at, "
                        + "updated_at = excluded.updated_at, cross_site = excluded.cross_site",
                ps -> {
                    ps.setString(1, sandboxId);
                    ps.setInt(2, rule.port());
                    ps.setString(3, rule.access().wire());
                    Sql.setInstant(ps, 4, rule.exposedUntil());
                    Sql.setInstant(ps, 5, rule.closedAt());
                    Sql.setInstant(ps, 6, rule.updatedAt());
                    ps.setInt(7, rule.crossSite() ? 1 : 0);
                });
    }

    @Override
    public Map<Integer, PortRuleRow> portRules(String sandboxId) {
        Map<Integer, PortRuleRow> rules = new LinkedHashMap<>();
        Sql.query(dataSource, "read the port rules of " + sandboxId,
                "SELECT port, access, exposed_until, closed_at, updated_at, cross_site FROM port_rules WHERE sandbox_id = ?"
                        + " ORDER BY port",
                ps -> ps.setString(1, sandboxId),
                rs -> new PortRuleRow(rs.getInt("port"), PortAccess.parse(rs.getString("access"), "access"),
                        Sql.instant(rs, "exposed_until"), Sql.instant(rs, "closed_at"), Sql.instant(rs, "updated_at"),
                        rs.getInt("cross_site") != 0))
                .forEach(r -> rules.put(r.port(), r));
        return rules;
    }

    @Override
    public void deletePortRule(String sandboxId, int port) {
        Sql.update(dataSource, "delete the rule of port " + port + " of " + sandboxId,
                "DELETE FROM port_rules WHERE sandbox_id = ? AND port = ?", ps -> {
                    ps.setString(1, sandboxId);
                    ps.setInt(2, port);
                });
    }

    @Override
    public void insertLink(LinkRow link) {
        Sql.update(dataSource, "save a share link of " + link.sandboxId(),
                "INSERT INTO share_links (id, sandbox_id, port, created_at, expires_at, revoked_at) VALUES (?,?,?,?,?,?)", ps -> {
                    ps.setString(1, link.id());
                    ps.setString(2, link.sandboxId());
                    ps.setInt(3, link.port());
                    Sql.setInstant(ps, 4, link.createdAt());
                    Sql.setInstant(ps, 5, link.expiresAt());
                    Sql.setInstant(ps, 6, link.revokedAt());
                });
    }

    @Override
    public List<LinkRow> links(String sandboxId) {
        return Sql.query(dataSource, "read the share links of " + sandboxId,
                "SELECT id, sandbox_id, port, created_at, expires_at, revoked_at FROM share_links WHERE sandbox_id = ? "
                        + "ORDER BY created_at, id", ps -> ps.setString(1, sandboxId),
                rs -> new LinkRow(rs.getString("id"), rs.getString("sandbox_id"), rs.getInt("port"),
                        Sql.instant(rs, "created_at"), Sql.instant(rs, "expires_at"), Sql.instant(rs, "revoked_at")));
    }

    @Override
    public boolean revokeLink(String sandboxId, String linkId, Instant at) {
        return Sql.update(dataSource, "revoke share link " + linkId,
                "UPDATE share_links SET revoked_at = ? WHERE sandbox_id = ? AND id = ? AND revoked_at IS NULL", ps -> {
                    Sql.setInstant(ps, 1, at);
                    ps.setString(2, sandboxId);
                    ps.setString(3, linkId);
                }) == 1;
    }

    @Override
    public int revokeLinks(String sandboxId, Integer port, Instant at) {
        return Sql.update(dataSource, "revoke the share links of " + sandboxId,
                "UPDATE share_links SET revoked_at = ? WHERE sandbox_id = ? AND revoked_at IS NULL AND (? IS NULL OR port = ?)",
                ps -> {
                    Sql.setInstant(ps, 1, at);
                    ps.setString(2, sandboxId);
                    if (port == null) {
                        ps.setNull(3, Types.INTEGER);
                        ps.setNull(4, Types.INTEGER);
                    } else {
                        ps.setInt(3, port);
                        ps.setInt(4, port);
                    }
                });
    }

    @Override
    public void appendAudit(List<AuditRow> events) {
        if (events.isEmpty()) return;
        String sql = "INSERT INTO audit_events (sandbox_id, at, kind, port, link_id, source, access, status, count, detail) "
                + "VALUES (?,?,?,?,?,?,?,?,?,?)";
        // An event of a sandbox purged meanwhile fails its foreign key: the batch fails, not the server.
        Sql.inTransaction(dataSource, "append " + events.size() + " audit event(s)", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (AuditRow e : events) {
                    ps.setString(1, e.sandboxId());
                    Sql.setInstant(ps, 2, e.at());
                    ps.setString(3, e.kind());
                    if (e.port() == null) ps.setNull(4, Types.INTEGER); else ps.setInt(4, e.port());
                    ps.setString(5, e.linkId());
                    ps.setString(6, e.source());
                    ps.setString(7, e.access());
                    if (e.status() == null) ps.setNull(8, Types.INTEGER); else ps.setInt(8, e.status());
                    ps.setLong(9, e.count());
                    ps.setString(10, e.detail());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public List<AuditRow> audit(String sandboxId, int limit) {
        return Sql.query(dataSource, "read the audit of " + sandboxId,
                "SELECT * FROM (SELECT * FROM audit_events WHERE sandbox_id = ? ORDER BY at DESC, seq DESC LIMIT ?) AS recent ORDER BY at, seq",
                ps -> {
                    ps.setString(1, sandboxId);
                    ps.setInt(2, limit);
                },
                rs -> {
                    int port = rs.getInt("port");
                    Integer p = rs.wasNull() ? null : port;
                    int status = rs.getInt("status");
                    Integer st = rs.wasNull() ? null : status;
                    return new AuditRow(Sql.instant(rs, "at"), rs.getString("sandbox_id"), rs.getString("kind"), p,
                            rs.getString("link_id"), rs.getString("source"), rs.getString("access"), st,
                            rs.getLong("count"), rs.getString("detail"));
                });
    }
}
