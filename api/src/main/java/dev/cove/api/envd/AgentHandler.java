package dev.cove.api.envd;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** One endpoint of the agent API, called by the gate once the sandbox runs and the caller may reach the endpoint. */
@FunctionalInterface
public interface AgentHandler {
    void handle(SandboxAccess sandbox, ServerRequest req, ServerResponse res);
}
