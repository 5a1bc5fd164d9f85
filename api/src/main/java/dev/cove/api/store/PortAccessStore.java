package dev.cove.api.store;

import dev.cove.core.routing.PortAccess;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may reach a sandbox's ports: its default access, per-port rules (exposures), share links and the audit trail
 * (see {@code docs/ports.md}). Rows go with their sandbox when its tombstone is purged. Every method is one statement.
 */
public interface PortAccessStore {

    /**
     * One port's rule.
     *
     * @param exposedUntil end of the exposure window, null = the sandbox's lifetime
     * @param closedAt     when it was unexposed, or null
     */
    /** @param crossSite the edge lets other sites' pages use the visitor's Cove cookie on this port (opt-out of the guard) */
    record PortRuleRow(int port, PortAccess access, Instant exposedUntil, Instant closedAt, Instant updatedAt,
                       boolean crossSite) {
        public PortRuleRow(int port, PortAccess access, Instant exposedUntil, Instant closedAt, Instant updatedAt) {
            this(port, access, exposedUntil, closedAt, updatedAt, false);
        }
    }

    /** A share link (never its token). {@code expiresAt} null = as long as the sandbox lives. */
    record LinkRow(String id, String sandboxId, int port, Instant createdAt, Instant expiresAt, Instant revokedAt) {
        public boolean lifetime() { return expiresAt == null; }
    }

    /**
     * An audit event.
     *
     * @param kind   {@code expose}, {@code unexpose}, {@code link_created}, {@code link_revoked} or {@code access}
     * @param access for {@code access}: {@code public}, {@code token}, {@code link} or {@code denied}
     * @param count  how many accesses the row aggregates (1 for the other kinds)
     * @param detail a short note (e.g. the policy granted), or null
     */
    record AuditRow(Instant at, String sandboxId, String kind, Integer port, String linkId, String source, String access,
                    Integer status, long count, String detail) {}

    void saveDefaultAccess(String sandboxId, PortAccess access);

    /** The sandbox's default access, empty for sandboxes made before port access existed (they are public). */
    Optional<PortAccess> defaultAccess(String sandboxId);

    void putPortRule(String sandboxId, PortRuleRow rule);

    Map<Integer, PortRuleRow> portRules(String sandboxId);

    void deletePortRule(String sandboxId, int port);

    void insertLink(LinkRow link);

    List<LinkRow> links(String sandboxId);

    /** Marks one link revoked; false when the sandbox has no such link or it was revoked already. */
    boolean revokeLink(String sandboxId, String linkId, Instant at);

    /** Revokes every link of the sandbox that is not revoked yet (or of one port, when {@code port} is not null). */
    int revokeLinks(String sandboxId, Integer port, Instant at);

    void appendAudit(List<AuditRow> events);

    /** Oldest first, at most {@code limit}, the newest ones when there are more. */
    List<AuditRow> audit(String sandboxId, int limit);
}
