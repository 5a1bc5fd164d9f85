package dev.cove.api.ports;

import dev.cove.api.http.Responses;
import dev.cove.api.sandboxes.SandboxPaths;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /sandboxes/{sandboxID}/audit?limit=n}: grants, revocations and accesses (aggregated per minute) of the
 * sandbox's ports, oldest first; readable after the sandbox ended, for as long as its tombstone is kept.
 */
public final class AuditHandler implements Handler {
    static final int DEFAULT_LIMIT = 500;
    static final int MAX_LIMIT = 10_000;
    private final PortsService ports;

    public AuditHandler(PortsService ports) { this.ports = ports; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        int limit = DEFAULT_LIMIT;
        String text = req.query().first("limit").orElse(null);
        if (text != null) {
            try {
                limit = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw CoveException.badRequest("limit must be a number from 1 to " + MAX_LIMIT + ", got '" + text + "'");
            }
        }
        Responses.json(res, 200, PortViews.audit(ports.audit(SandboxPaths.id(req), limit)));
    }
}
