package dev.cove.api.auth;

import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RequireApiKeyTest extends ApiTest {

    @Test
    void missingKeyIs401() {
        Resp r = api.call("GET", "/v2/sandboxes", null, Map.of());
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().get("code").asInt()).isEqualTo(401);
        assertThat(r.json().get("message").asText()).startsWith("API key is required: send it in the X-API-KEY header");
    }

    @Test
    void malformedKeyIs401() {
        Resp r = api.call("POST", "/sandboxes", "{\"templateID\":\"base\"}", Map.of("X-API-KEY", "not-a-key"));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().get("message").asText()).isEqualTo("Invalid API key format");
        assertThat(runtime.list()).isEmpty();
    }

    @Test
    void unknownKeyIs401() {
        Resp r = api.call("GET", "/sandboxes", null, Map.of("X-API-KEY", "e2b_00000000000000000000000000000000"));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.json().get("message").asText()).isEqualTo("Cannot get the team for the given API key");
    }

    /** Header names are case-insensitive (the spec says X-API-Key, the SDKs send X-API-KEY). */
    @Test
    void keyHeaderIsCaseInsensitive() {
        Resp r = api.call("GET", "/v2/sandboxes", null, Map.of("x-api-key", api.plane().apiKey()));
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void healthIsOpen() {
        Resp r = api.call("GET", "/health", null, Map.of());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("Health check successful");
    }

    @Test
    void unknownRouteIsJson404() {
        Resp r = api.call("GET", "/no/such/thing", null, Map.of());
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("code").asInt()).isEqualTo(404);
        assertThat(r.json().get("message").asText()).isEqualTo("GET /no/such/thing is not an endpoint of the Cove API");
    }

    /** The API also speaks HTTP/2 (h2c). */
    @Test
    void http2() {
        var h2 = api.withHttp2();
        assertThat(h2.get("/health").status()).isEqualTo(200);
        assertThat(h2.get("/v2/sandboxes").status()).isEqualTo(200);
    }
}
