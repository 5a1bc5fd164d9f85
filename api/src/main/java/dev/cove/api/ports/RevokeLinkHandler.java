package dev.cove.api.ports;

import dev.cove.api.http.Responses;
import dev.cove.api.sandboxes.SandboxPaths;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code DELETE /sandboxes/{sandboxID}/links/{linkID}}: revokes one share link at once (403 {@code link_revoked}). 204. */
public final class RevokeLinkHandler implements Handler {
    private final PortsService ports;

    public RevokeLinkHandler(PortsService ports) { this.ports = ports; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String linkId = req.path().pathParameters().first("linkID").orElse("");
        ports.revoke(SandboxPaths.id(req), linkId, PortViews.source(req));
        Responses.noContent(res);
    }
}
