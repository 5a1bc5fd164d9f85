package dev.cove.api.sandboxes;

import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class NotImplementedHandlerTest extends ApiTest {

    /** E2B endpoints Cove lacks answer 501 with a sentence, not 404; they still require the API key. */
    @ParameterizedTest
    @CsvSource({
            "GET, /sandboxes/abc123/logs, Sandbox logs",
            "GET, /v2/sandboxes/abc123/logs, Sandbox logs",
            "GET, /templates/tpl123/tags, Template tags",
            "POST, /templates/tags, Template tags",
            "DELETE, /templates/tags, Template tags",
            "GET, /secrets, Secrets",
            "POST, /secrets, Secrets",
            "DELETE, /secrets/sec123, Secrets",
            "POST, /volumes, Volumes",
            "GET, /volumes, Volumes",
            "DELETE, /volumes/vol123, Volumes",
            "GET, /volumecontent/vol123/dir, Volumes",
            "PUT, /volumecontent/vol123/file, Volumes"})
    void answers501(String method, String path, String feature) {
        Resp r = api.call(method, path, method.equals("GET") || method.equals("DELETE") ? null : "{}");
        assertThat(r.status()).isEqualTo(501);
        assertThat(r.json().get("code").asInt()).isEqualTo(501);
        assertThat(r.json().get("message").asText()).isEqualTo(feature + " is not implemented by Cove yet");

        Resp anonymous = api.call(method, path, null, Map.of());
        assertThat(anonymous.status()).isEqualTo(401);
    }
}
