package dev.cove.api.sandboxes;

import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code GET /sandboxes/{sandboxID}}: 200 {@code SandboxDetail} while running; 404 once ended or unknown. */
public final class GetSandboxHandler implements Handler {
    private final SandboxService sandboxes;

    public GetSandboxHandler(SandboxService sandboxes) { this.sandboxes = sandboxes; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        Responses.json(res, 200, SandboxViews.detail(sandboxes.getLive(id), sandboxes.config()));
    }
}
