package dev.cove.api.auth;

import dev.cove.api.http.TypedErrors;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;

/** Managing API keys ({@code /api-keys}), behind {@code X-API-KEY}, with typed errors. */
public final class KeyRoutes {
    private KeyRoutes() {}

    public static void register(HttpRouting.Builder routing, ApiKeys keys) {
        routing.get("/api-keys", secured(keys, new ListApiKeysHandler(keys)));
        routing.post("/api-keys", secured(keys, new CreateApiKeyHandler(keys)));
        routing.delete("/api-keys/{apiKeyID}", secured(keys, new RevokeApiKeyHandler(keys)));
    }

    private static Handler secured(ApiKeys keys, Handler handler) {
        return RequireApiKey.wrap(keys, TypedErrors.wrap(handler));
    }
}
