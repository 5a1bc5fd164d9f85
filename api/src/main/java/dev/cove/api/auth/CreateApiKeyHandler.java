package dev.cove.api.auth;

import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Map;

/**
 * {@code POST /api-keys} {@code {"name": "ci"}} (Cove): a new key, accepted at once. 201 with {@code key}: the only
 * time its value is shown (the store keeps its hash).
 */
public final class CreateApiKeyHandler implements Handler {
    private final ApiKeys keys;

    public CreateApiKeyHandler(ApiKeys keys) { this.keys = keys; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        ApiKeys.NewKey made = keys.create(JsonBody.required(req).string("name"));
        Map<String, Object> body = ListApiKeysHandler.view(made.row());
        body.put("key", made.key());
        Responses.json(res, 201, body);
    }
}
