package dev.cove.api.sandboxes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static java.time.temporal.ChronoUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ConnectSandboxHandlerTest extends ApiTest {

    /** E2B's test: create with 300 s, connect with 10 s → endAt identical; with 600 s → later. 200 + Sandbox. */
    @Test
    void connectExtendsOnly() {
        JsonNode created = api.createV2("{\"templateID\":\"base\",\"timeout\":300}");
        String id = created.get("sandboxID").asText();
        String endAt = endAt(id);

        Resp v1 = api.post("/sandboxes/" + id + "/connect", "{\"timeout\":10}");
        assertThat(v1.status()).as(v1.toString()).isEqualTo(200);
        assertThat(v1.json().get("sandboxID").asText()).isEqualTo(id);
        assertThat(v1.json().get("envdAccessToken").asText()).isEqualTo(created.get("envdAccessToken").asText());
        assertThat(v1.json().get("envdVersion").asText()).isEqualTo("0.6.13");
        assertThat(v1.json().get("domain").asText()).isEqualTo("cove.test");
        assertThat(endAt(id)).isEqualTo(endAt);

        Resp v2 = api.post("/v2/sandboxes/" + id + "/connect", "{\"timeout\":600}");
        assertThat(v2.status()).isEqualTo(200);
        assertThat(Instant.parse(endAt(id))).isCloseTo(Instant.now().plusSeconds(600), within(2, SECONDS));

        // v2 without a body: timeout 300 by default, earlier than the current end, so nothing changes.
        String extended = endAt(id);
        assertThat(api.post("/v2/sandboxes/" + id + "/connect", null).status()).isEqualTo(200);
        assertThat(endAt(id)).isEqualTo(extended);
    }

    /** v2 without body on a short-lived sandbox extends it to 300 s. */
    @Test
    void v2DefaultTimeoutIs300() {
        String id = api.create("{\"templateID\":\"base\",\"timeout\":20}").get("sandboxID").asText();
        assertThat(api.post("/v2/sandboxes/" + id + "/connect", "{\"memory\":true}").status()).isEqualTo(200);
        assertThat(Instant.parse(endAt(id))).isCloseTo(Instant.now().plusSeconds(300), within(2, SECONDS));
    }

    /** Connect to a killed or unknown sandbox: 404 body (the SDK throws SandboxNotFoundError). */
    @Test
    void goneIs404() {
        String id = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        assertThat(api.delete("/sandboxes/" + id).status()).isEqualTo(204);
        for (String path : new String[] {"/sandboxes/" + id + "/connect", "/v2/sandboxes/" + id + "/connect"}) {
            Resp r = api.post(path, "{\"timeout\":30}");
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.json().get("code").asInt()).isEqualTo(404);
            assertThat(r.json().get("message").asText())
                    .isEqualTo("Sandbox \"" + id + "\" doesn't exist or you don't have access to it");
        }
        assertThat(api.post("/v2/sandboxes/nosuchsandbox/connect", null).status()).isEqualTo(404);
    }

    @Test
    void badTimeouts() {
        String id = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        Resp tooLong = api.post("/sandboxes/" + id + "/connect", "{\"timeout\":90000}");
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.json().get("message").asText()).isEqualTo("Timeout cannot be greater than 24 hours");
        Resp negative = api.post("/v2/sandboxes/" + id + "/connect", "{\"timeout\":-1}");
        assertThat(negative.status()).isEqualTo(400);
        assertThat(negative.json().get("message").asText()).isEqualTo("Timeout must not be negative");
        Resp wrongType = api.post("/v2/sandboxes/" + id + "/connect", "{\"memory\":\"yes\"}");
        assertThat(wrongType.status()).isEqualTo(400);
    }

    private String endAt(String id) { return api.get("/sandboxes/" + id).json().get("endAt").asText(); }
}
