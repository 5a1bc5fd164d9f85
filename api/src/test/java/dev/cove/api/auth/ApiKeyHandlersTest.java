package dev.cove.api.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Named API keys: made, used at once, listed without their value, revoked at once; the server's own key stays. */
class ApiKeyHandlersTest extends ApiTest {

    @Test
    void aKeyIsMadeUsedListedAndRevoked() {
        Resp made = api.post("/api-keys", "{\"name\":\"ci runner\"}");
        assertThat(made.status()).isEqualTo(201);
        String key = made.json().get("key").asText();
        String id = made.json().get("id").asText();
        assertThat(key).matches("e2b_[0-9a-f]{32}");
        assertThat(made.json().get("masked").asText()).isEqualTo(key.substring(0, 8) + "…" + key.substring(key.length() - 4));

        assertThat(api.call("GET", "/v2/sandboxes", null, Map.of("X-API-KEY", key)).status()).as("accepted at once").isEqualTo(200);

        Resp listed = api.get("/api-keys");
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body()).doesNotContain(key).doesNotContain(ApiKeys.hash(key));
        JsonNode own = null, ci = null;
        for (JsonNode k : listed.json()) {
            if (k.get("source").asText().equals("bootstrap")) own = k;
            if (k.get("id").asText().equals(id)) ci = k;
        }
        assertThat(own).as("the server's own key is listed").isNotNull();
        assertThat(ci.get("name").asText()).isEqualTo("ci runner");
        assertThat(ci.get("source").asText()).isEqualTo("api");

        assertThat(api.delete("/api-keys/" + id).status()).isEqualTo(204);
        assertThat(api.call("GET", "/v2/sandboxes", null, Map.of("X-API-KEY", key)).status()).as("refused at once").isEqualTo(401);
        assertThat(api.delete("/api-keys/" + id).status()).isEqualTo(404);
    }

    @Test
    void theServersOwnKeyAndBadNamesAreRefused() {
        String own = null;
        for (JsonNode k : api.get("/api-keys").json()) if (k.get("source").asText().equals("bootstrap")) own = k.get("id").asText();
        Resp refused = api.delete("/api-keys/" + own);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().get("message").asText()).contains("COVE_API_KEY");
        assertThat(api.post("/api-keys", "{\"name\":\"\"}").status()).isEqualTo(400);
        assertThat(api.post("/api-keys", "{}").status()).isEqualTo(400);
        assertThat(api.call("POST", "/api-keys", "{\"name\":\"x\"}", Map.of()).status()).as("needs a key").isEqualTo(401);
    }
}
