package dev.cove.api.sandboxes;

import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code DELETE /sandboxes/{sandboxID}}: 204 once killed; 404 body when unknown or already ended (the SDK's
 * {@code kill()} then returns false).
 */
public final class KillSandboxHandler implements Handler {
    private final SandboxService sandboxes;

    public KillSandboxHandler(SandboxService sandboxes) { this.sandboxes = sandboxes; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        sandboxes.kill(SandboxPaths.id(req));
        Responses.noContent(res);
    }
}
