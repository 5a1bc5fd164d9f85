package dev.cove.api.auth;

import dev.cove.api.http.Responses;
import dev.cove.api.store.SandboxStore;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api-keys} (Cove): every accepted key, {@code [{id, name, source, masked, createdAt}]}; never a key's
 * value or hash. {@code source} is {@code bootstrap} for the server's own key, {@code api} for keys made here.
 */
public final class ListApiKeysHandler implements Handler {
    private final ApiKeys keys;

    public ListApiKeysHandler(ApiKeys keys) { this.keys = keys; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        Responses.json(res, 200, keys.list().stream().map(ListApiKeysHandler::view).toList());
    }

    static Map<String, Object> view(SandboxStore.ApiKeyRow k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", k.id());
        m.put("name", k.name());
        m.put("source", k.source());
        m.put("masked", k.masked());
        m.put("createdAt", k.createdAt().toString());
        return m;
    }
}
