package dev.cove.api.ports;

import dev.cove.api.http.Responses;
import dev.cove.api.sandboxes.SandboxPaths;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /sandboxes/{sandboxID}/ports}: what listens in the sandbox (port, address, family, pid, command) and
 * each exposed port's URL, policy, state, expiry and links.
 */
public final class ListPortsHandler implements Handler {
    private final PortsService ports;

    public ListPortsHandler(PortsService ports) { this.ports = ports; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        Responses.json(res, 200, PortViews.ports(ports.ports(SandboxPaths.id(req))));
    }
}
