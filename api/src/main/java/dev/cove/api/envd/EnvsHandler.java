package dev.cove.api.envd;

import dev.cove.api.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code GET /envs}: the sandbox's environment variables as a JSON object. */
final class EnvsHandler implements AgentHandler {
    @Override
    public void handle(SandboxAccess sandbox, ServerRequest req, ServerResponse res) {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.bytes(sandbox.envVars()));
    }
}
