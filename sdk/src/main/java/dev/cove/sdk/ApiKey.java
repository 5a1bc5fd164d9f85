package dev.cove.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.errors.ConflictException;
import dev.cove.sdk.errors.NotFoundException;
import dev.cove.sdk.internal.Envd;
import dev.cove.sdk.internal.Json;
import dev.cove.sdk.internal.Transport;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An API key of a Cove server, as listed: never its value. Keys made with {@link #create} are accepted at once and
 * refused at once after {@link #revoke}; the server's own key ({@code source} {@code bootstrap}, from
 * {@code COVE_API_KEY} or the server's {@code api-key} file) is changed there, not here.
 * <pre>{@code
 * ApiKey.Created ci = ApiKey.create("ci", config);   // ci.key() is shown this once
 * ApiKey.revoke(ci.apiKey().id(), config);
 * }</pre>
 *
 * @param id        the key's id ({@code key_…})
 * @param name      its name
 * @param source    {@code bootstrap} or {@code api}
 * @param masked    its first 8 and last 4 characters, or null for keys from before names
 * @param createdAt when it was made
 */
public record ApiKey(String id, String name, String source, String masked, Instant createdAt) {

    /** A key just made, with its value: the only time the server shows it. */
    public record Created(ApiKey apiKey, String key) {
        @Override
        public String toString() { return "Created[" + apiKey + ", key=" + apiKey.masked() + "]"; }
    }

    static ApiKey of(JsonNode n) {
        return new ApiKey(Json.text(n, "id"), Json.text(n, "name"), Json.text(n, "source"), Json.text(n, "masked"),
                Json.instant(n, "createdAt"));
    }

    public static List<ApiKey> list(CoveConfig config) {
        JsonNode body = Transport.of(config).api("GET", "/api-keys", null).body;
        List<ApiKey> out = new ArrayList<>();
        if (body != null && body.isArray()) body.forEach(k -> out.add(of(k)));
        return out;
    }

    public static Created create(String name, CoveConfig config) {
        ObjectNode req = Json.object().put("name", name);
        JsonNode n = Transport.of(config).api("POST", "/api-keys", req).body;
        return new Created(of(n), Json.text(n, "key"));
    }

    /** @throws NotFoundException no such key; {@link ConflictException} for the server's own key */
    public static void revoke(String id, CoveConfig config) {
        Transport.of(config).api("DELETE", "/api-keys/" + Envd.enc(id), null);
    }
}
