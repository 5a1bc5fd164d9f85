package dev.cove.api.envd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/** The agent API's plain HTTP errors: envd's body {@code {"code": <status>, "message": "..."}}. */
public final class AgentResponses {
    private static final String UNAUTHORIZED =
            "unauthorized access, please provide a valid access token or method signing if supported";

    private AgentResponses() {}

    public static void error(ServerResponse res, int status, String message) {
        ObjectNode body = Json.object();
        body.put("code", status);
        body.put("message", message);
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.bytes(body));
    }

    /** 401 with envd's sentence. */
    public static void unauthorized(ServerResponse res) { error(res, 401, UNAUTHORIZED); }
}
