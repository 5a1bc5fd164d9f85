package dev.cove.api.envd;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code GET|HEAD /health}: 204 while the sandbox runs (the gate answers 502 otherwise); no token needed. */
final class HealthHandler implements AgentHandler {
    @Override
    public void handle(SandboxAccess sandbox, ServerRequest req, ServerResponse res) {
        res.status(Status.NO_CONTENT_204);
        res.send();
    }
}
