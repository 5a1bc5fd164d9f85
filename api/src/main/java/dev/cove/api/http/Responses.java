package dev.cove.api.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.Json;
import dev.cove.core.CoveException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.util.Map;
import java.util.Set;

/** Writing JSON answers, including E2B's error body {@code {"code": <HTTP status>, "message": "..."}}. */
public final class Responses {
    /**
     * {@code error_code} values E2B defines; only these go on the wire, so clients that parse the field as an
     * enum never meet an unknown value. Cove's own finer codes stay in {@link CoveException#code()} and logs.
     */
    private static final Set<String> E2B_ERROR_CODES = Set.of("sandbox_capacity_unavailable",
            "sandbox_placement_timeout", "sandbox_no_compatible_node", "sandbox_create_failed",
            "internal_server_error");

    private Responses() {}

    public static void json(ServerResponse res, int status, Object body) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.bytes(body));
    }

    public static void noContent(ServerResponse res) {
        res.status(Status.NO_CONTENT_204);
        res.send();
    }

    /**
     * The error body of Cove's own endpoints: E2B's shape plus {@code error_code} (Cove's machine code, which clients
     * of these endpoints switch on) and the exception's details.
     */
    public static void typedError(ServerResponse res, CoveException e, Map<String, Object> details) {
        ObjectNode body = Json.object();
        body.put("code", e.status());
        body.put("message", e.getMessage());
        body.put("error_code", e.code());
        details.forEach((k, v) -> body.set(k, Json.MAPPER.valueToTree(v)));
        json(res, e.status(), body);
    }

    public static void error(ServerResponse res, CoveException e) {
        ObjectNode body = Json.object();
        body.put("code", e.status());
        body.put("message", e.getMessage());
        if (E2B_ERROR_CODES.contains(e.code())) body.put("error_code", e.code());
        json(res, e.status(), body);
    }
}
