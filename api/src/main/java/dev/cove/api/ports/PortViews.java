package dev.cove.api.ports;

import dev.cove.api.store.PortAccessStore;
import dev.cove.core.CoveException;
import dev.cove.core.routing.SandboxHost;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the ports API ({@code docs/ports.md}) and its path parameters. */
final class PortViews {
    private PortViews() {}

    static Map<String, Object> ports(PortsService.PortsView v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sandboxID", v.sandboxId());
        m.put("defaultAccess", v.defaultAccess().wire());
        m.put("listening", v.listening().stream().map(PortViews::listening).toList());
        m.put("exposed", v.exposed().stream().map(PortViews::exposed).toList());
        return m;
    }

    static Map<String, Object> listening(PortsService.Listening l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("port", l.port());
        m.put("address", l.address());
        m.put("family", l.family());
        m.put("pid", l.pid());
        m.put("command", l.command());
        return m;
    }

    static Map<String, Object> exposed(PortsService.Exposed e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("port", e.port());
        m.put("access", e.access().wire());
        m.put("url", e.url());
        m.put("state", e.state());
        m.put("exposedUntil", text(e.exposedUntil()));
        m.put("expiresAt", text(e.expiresAt()));
        m.put("links", e.links().stream().map(PortViews::link).toList());
        m.put("crossSite", e.crossSite());
        return m;
    }

    static Map<String, Object> link(PortsService.Link l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", l.id());
        m.put("port", l.port());
        m.put("createdAt", text(l.createdAt()));
        m.put("expiresAt", text(l.expiresAt()));
        m.put("lifetime", l.lifetime());
        m.put("revoked", l.revoked());
        if (l.revokedAt() != null) m.put("revokedAt", text(l.revokedAt()));
        return m;
    }

    /** A link just made: the one answer that carries its token and URL. */
    static Map<String, Object> newLink(PortsService.NewLink n) {
        Map<String, Object> m = link(n.link());
        m.put("url", n.url());
        m.put("token", n.token());
        return m;
    }

    static Map<String, Object> audit(List<PortAccessStore.AuditRow> rows) {
        return Map.of("events", rows.stream().map(PortViews::event).toList());
    }

    private static Map<String, Object> event(PortAccessStore.AuditRow r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", text(r.at()));
        m.put("kind", r.kind());
        if (r.port() != null) m.put("port", r.port());
        if (r.linkId() != null) m.put("linkId", r.linkId());
        if (r.source() != null) m.put("source", r.source());
        if (r.access() != null) m.put("access", r.access());
        if (r.status() != null) m.put("status", r.status());
        m.put("count", r.count());
        if (r.detail() != null) m.put("detail", r.detail());
        return m;
    }

    private static String text(Instant at) { return at == null ? null : at.toString(); }

    /** The {@code {port}} path parameter: a sandbox port (1-65535, not the agent's 49983). */
    static int port(ServerRequest req) {
        String text = req.path().pathParameters().first("port").orElse("");
        int port;
        try {
            port = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw CoveException.badRequest("'" + text + "' is not a port number (1-65535)");
        }
        if (port < 1 || port > 65535) throw CoveException.badRequest(port + " is not a port number (1-65535)");
        if (port == SandboxHost.AGENT_PORT) {
            throw CoveException.badRequest("port " + port + " is the sandbox agent's; it is reached with the envd access "
                    + "token, not exposed");
        }
        return port;
    }

    /** Who made the call, for the audit trail: the client address the edge forwarded. */
    static String source(ServerRequest req) {
        return req.headers().first(HeaderNames.X_FORWARDED_FOR)
                .orElse(req.remotePeer().address().toString());
    }
}
