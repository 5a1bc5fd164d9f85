package dev.cove.api.ports;

import dev.cove.api.http.Responses;
import dev.cove.api.sandboxes.SandboxPaths;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Map;

/** {@code GET /sandboxes/{sandboxID}/links}: every share link of the sandbox, revoked ones included, without tokens. */
public final class ListLinksHandler implements Handler {
    private final PortsService ports;

    public ListLinksHandler(PortsService ports) { this.ports = ports; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        Responses.json(res, 200, Map.of("links", ports.links(SandboxPaths.id(req)).stream().map(PortViews::link).toList()));
    }
}
