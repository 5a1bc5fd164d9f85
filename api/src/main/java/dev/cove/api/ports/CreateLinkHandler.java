package dev.cove.api.ports;

import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import dev.cove.api.sandboxes.SandboxPaths;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;

/**
 * {@code POST /sandboxes/{sandboxID}/ports/{port}/links} {@code {"ttlSeconds": n}} (omitted: the sandbox's lifetime):
 * a share link of one port. 201 with the link, its URL and token (shown this once; only the id is stored).
 */
public final class CreateLinkHandler implements Handler {
    private final PortsService ports;

    public CreateLinkHandler(PortsService ports) { this.ports = ports; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        int port = PortViews.port(req);
        Duration ttl = ExposePortHandler.seconds(JsonBody.optional(req).int32("ttlSeconds"), "ttlSeconds");
        PortsService.NewLink link = ports.createLink(id, port, ttl == null ? Duration.ZERO : ttl, PortViews.source(req));
        Responses.json(res, 201, PortViews.newLink(link));
    }
}
