package dev.cove.api.ports;

import dev.cove.api.http.Responses;
import dev.cove.api.sandboxes.SandboxPaths;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code DELETE /sandboxes/{sandboxID}/ports/{port}/expose}: closes the port at once (403 {@code exposure_expired}
 * until it is exposed again) and revokes its share links. 204.
 */
public final class UnexposePortHandler implements Handler {
    private final PortsService ports;

    public UnexposePortHandler(PortsService ports) { this.ports = ports; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        ports.unexpose(SandboxPaths.id(req), PortViews.port(req), PortViews.source(req));
        Responses.noContent(res);
    }
}
