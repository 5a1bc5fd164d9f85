package dev.cove.api.sandboxes;

import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.store.SandboxRecord;
import dev.cove.core.routing.PortAccess;
import dev.cove.core.routing.PortAccessPolicy;
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
        SandboxRecord row = sandboxes.getLive(id);
        // the truth the edge applies: a sandbox that never said allowPublicTraffic is public only if its default is
        PortAccessPolicy policy = sandboxes.portAccess().policy(row);
        boolean publicByDefault = policy.allPublic() || policy.defaultAccess() == PortAccess.PUBLIC;
        Responses.json(res, 200, SandboxViews.detail(row, sandboxes.config(), publicByDefault));
    }
}
