package dev.cove.api.auth;

import dev.cove.api.http.Responses;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code DELETE /api-keys/{apiKeyID}} (Cove): revokes a key made through the API; it is refused from the next request
 * on. 204; 404 unknown; 409 for the server's own key (change COVE_API_KEY or the api-key file instead).
 */
public final class RevokeApiKeyHandler implements Handler {
    private final ApiKeys keys;

    public RevokeApiKeyHandler(ApiKeys keys) { this.keys = keys; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        keys.revoke(req.path().pathParameters().first("apiKeyID").orElse(""));
        Responses.noContent(res);
    }
}
