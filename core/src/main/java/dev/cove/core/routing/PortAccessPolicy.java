package dev.cove.core.routing;

import java.time.Instant;
import java.util.Map;

/**
 * Who may reach which port of a running sandbox, as the edge needs it in memory. Built by the control plane from
 * the sandbox's create request, its exposures and its share links; replaced as a whole on every change.
 *
 * @param e2bPrivate         E2B's {@code network.allowPublicTraffic=false}: every port needs a credential and refusals
 *                           use E2B's 403 messages
 * @param allPublic          E2B's {@code network.allowPublicTraffic=true}: every port is public, whatever else says
 * @param defaultAccess      the access of ports without a rule of their own
 * @param trafficAccessToken the sandbox's token that opens every non-public port (null when none was made)
 * @param ports              per-port rules (exposures), by port
 * @param links              share links by id (revoked ones stay, so they answer {@code link_revoked})
 */
public record PortAccessPolicy(boolean e2bPrivate, boolean allPublic, PortAccess defaultAccess, String trafficAccessToken,
                            Map<Integer, PortRule> ports, Map<String, LinkGrant> links) {

    /**
     * One port's rule.
     *
     * @param access       the port's policy
     * @param exposedUntil end of the exposure window, or null (the sandbox's lifetime)
     * @param closedAt     when it was unexposed, or null
     * @param crossSite    the port takes requests other sites' pages make with its visitors' Cove cookie (forms
     *                     posted, WebSockets opened from elsewhere); off by default, when the edge refuses those
     *                     ({@code cross_origin_refused}). The API does not set it yet.
     */
    public record PortRule(PortAccess access, Instant exposedUntil, Instant closedAt, boolean crossSite) {
        public PortRule(PortAccess access, Instant exposedUntil, Instant closedAt) {
            this(access, exposedUntil, closedAt, false);
        }

        /** When the port stopped answering (closed or window over), or null while it is open at {@code now}. */
        public Instant closedBy(Instant now) {
            if (closedAt != null) return closedAt;
            return exposedUntil != null && !now.isBefore(exposedUntil) ? exposedUntil : null;
        }
    }

    /**
     * A share link's state.
     *
     * @param port      the port it opens
     * @param expiresAt its own end, or null when it lives as long as the sandbox
     * @param revoked   whether it was revoked
     */
    public record LinkGrant(int port, Instant expiresAt, boolean revoked) {}

    public PortAccessPolicy {
        ports = ports == null ? Map.of() : Map.copyOf(ports);
        links = links == null ? Map.of() : Map.copyOf(links);
    }

    /** Every port public, no token (sandboxes without any port access setting). */
    public static PortAccessPolicy openToAll() {
        return new PortAccessPolicy(false, true, PortAccess.PUBLIC, null, null, null);
    }

    /** E2B's {@code allowPublicTraffic=false} alone: every port needs {@code token}. */
    public static PortAccessPolicy e2bToken(String token) {
        return new PortAccessPolicy(true, false, PortAccess.PRIVATE, token, null, null);
    }

    /** The access that applies to {@code port}. */
    public PortAccess accessOf(int port) {
        if (allPublic) return PortAccess.PUBLIC;
        if (e2bPrivate) return PortAccess.PRIVATE;
        PortRule rule = ports.get(port);
        return rule != null ? rule.access() : defaultAccess;
    }

    /** Whether any port can need a credential (then clients are given the traffic access token). */
    public boolean hasPrivatePorts() {
        if (allPublic) return false;
        if (e2bPrivate || defaultAccess.needsCredential()) return true;
        return ports.values().stream().anyMatch(r -> r.access().needsCredential());
    }

    /** Secrets stay out of logs. */
    @Override
    public String toString() {
        return "PortAccessPolicy[e2bPrivate=" + e2bPrivate + ", allPublic=" + allPublic + ", default=" + defaultAccess
                + ", token=" + (trafficAccessToken == null ? "none" : "set") + ", ports=" + ports + ", links="
                + links.size() + "]";
    }
}
