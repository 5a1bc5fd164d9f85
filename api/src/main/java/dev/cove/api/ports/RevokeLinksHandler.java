package dev.cove.api.ports;

import dev.cove.api.http.Responses;
import dev.cove.api.sandboxes.SandboxPaths;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Map;

/** {@code DELETE /sandboxes/{sandboxID}/links}: revokes every share link of the sandbox; {@code {"revoked": n}}. */
public final class RevokeLinksHandler implements Handler {
    private final PortsService ports;

    public RevokeLinksHandler(PortsService ports) { this.ports = ports; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        Responses.json(res, 200, Map.of("revoked", ports.revokeAll(SandboxPaths.id(req), PortViews.source(req))));
    }
}
