package dev.cove.api.ports;

import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import dev.cove.api.sandboxes.SandboxPaths;
import dev.cove.core.CoveException;
import dev.cove.core.routing.PortAccess;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /sandboxes/{sandboxID}/ports/{port}/expose}: sets the port's policy (and exposure window), waits until
 * it answers through the edge, and only then returns {@code {port, access, url, exposedUntil, expiresAt, token, link}};
 * otherwise 409 with the reason ({@code port_not_listening}, {@code port_unreachable}, {@code unexpected_status},
 * {@code process_exited}) and nothing is exposed.
 */
public final class ExposePortHandler implements Handler {
    private final PortsService ports;

    public ExposePortHandler(PortsService ports) { this.ports = ports; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        int port = PortViews.port(req);
        JsonBody body = JsonBody.optional(req);
        PortsService.ExposeResult r = ports.expose(id, port, parse(body), PortViews.source(req));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("port", r.exposed().port());
        out.put("access", r.exposed().access().wire());
        out.put("url", r.exposed().url());
        out.put("state", r.exposed().state());
        out.put("exposedUntil", r.exposed().exposedUntil() == null ? null : r.exposed().exposedUntil().toString());
        out.put("expiresAt", r.exposed().expiresAt().toString());
        out.put("crossSite", r.exposed().crossSite());
        if (r.token() != null) out.put("token", r.token());
        if (r.link() != null) out.put("link", PortViews.newLink(r.link()));
        Responses.json(res, 200, out);
    }

    static PortsService.ExposeRequest parse(JsonBody body) {
        String access = body.string("access");
        PortAccess policy = access == null ? null : PortAccess.parse(access, "access");
        Duration window = seconds(body.int32("ttlSeconds"), "ttlSeconds");
        Duration link = null;
        JsonBody linkBody = body.object("link");
        if (linkBody != null) {
            Duration ttl = seconds(linkBody.int32("ttlSeconds", "link.ttlSeconds"), "link.ttlSeconds");
            link = ttl == null ? Duration.ZERO : ttl;
        }
        PortsService.Readiness readiness = PortsService.Readiness.TCP;
        JsonBody ready = body.object("readiness");
        if (ready != null) {
            String type = ready.string("type", "readiness.type");
            if (type == null || type.equals("tcp")) {
                readiness = PortsService.Readiness.TCP;
            } else if (type.equals("http")) {
                String path = ready.string("path", "readiness.path");
                if (path == null || path.isEmpty()) path = "/";
                if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c == 127)) {
                    throw CoveException.badRequest("readiness.path must be a path starting with '/' without spaces, got '"
                            + path + "'");
                }
                Integer status = ready.int32("status", "readiness.status");
                if (status != null && (status < 100 || status > 599)) {
                    throw CoveException.badRequest("readiness.status must be an HTTP status (100-599), got " + status);
                }
                readiness = new PortsService.Readiness(true, path, status);
            } else {
                throw CoveException.badRequest("readiness.type must be \"tcp\" or \"http\", got \"" + type + "\"");
            }
        }
        Duration timeout = seconds(body.int32("timeoutSeconds"), "timeoutSeconds");
        if (timeout != null && timeout.compareTo(PortsService.MAX_READY_TIMEOUT) > 0) {
            throw CoveException.badRequest("timeoutSeconds must be at most " + PortsService.MAX_READY_TIMEOUT.toSeconds());
        }
        Integer pid = body.int32("pid");
        if (pid != null && pid < 1) throw CoveException.badRequest("pid must be a process id (1 or more), got " + pid);
        // other sites' pages may use the visitor's Cove cookie on this port (an app that takes cross-site forms)
        Boolean crossSite = body.bool("crossSite");
        return new PortsService.ExposeRequest(policy, window, link, readiness, timeout, pid, crossSite);
    }

    /** A positive number of seconds, or null when absent. */
    static Duration seconds(Integer value, String field) {
        if (value == null) return null;
        if (value < 1) throw CoveException.badRequest(field + " must be at least 1 (seconds), got " + value);
        return Duration.ofSeconds(value);
    }
}
