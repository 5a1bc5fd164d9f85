package dev.cove.api.sandboxes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static java.time.temporal.ChronoUnit.SECONDS;

class GetSandboxHandlerTest extends ApiTest {

    /** SandboxDetail carries every field E2B requires, times in RFC 3339. */
    @Test
    void detailOfARunningSandbox() {
        Instant before = Instant.now();
        String id = api.create("{\"templateID\":\"base\",\"timeout\":120,\"metadata\":{\"k\":\"v\"}}")
                .get("sandboxID").asText();

        Resp r = api.get("/sandboxes/" + id);
        assertThat(r.status()).isEqualTo(200);
        JsonNode d = r.json();
        assertThat(d.get("sandboxID").asText()).isEqualTo(id);
        assertThat(d.get("templateID").asText()).isEqualTo("base");
        assertThat(d.get("alias").asText()).isEqualTo("base");
        assertThat(d.get("clientID").asText()).isEqualTo("6532622b");
        assertThat(d.get("envdVersion").asText()).isEqualTo("0.6.13");
        assertThat(d.get("state").asText()).isEqualTo("running");
        assertThat(d.get("domain").asText()).isEqualTo("cove.test");
        assertThat(d.get("metadata").get("k").asText()).isEqualTo("v");
        assertThat(d.get("startedAt").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
        Instant startedAt = Instant.parse(d.get("startedAt").asText());
        assertThat(startedAt).isBetween(before.minusSeconds(1), Instant.now());
        assertThat(Instant.parse(d.get("endAt").asText())).isCloseTo(startedAt.plusSeconds(120), within(1, SECONDS));
        assertThat(d.get("cpuCount").isInt()).isTrue();
        assertThat(d.get("memoryMB").isInt()).isTrue();
        assertThat(d.get("diskSizeMB").isInt()).isTrue();
        // secured under the shipped default (private), so the owner gets the agent's token again
        assertThat(d.get("envdAccessToken").asText()).matches("[0-9a-f]{64}");
    }

    /**
     * {@code network.allowPublicTraffic} tells what the edge does: under the shipped private default a sandbox that
     * never said is not public (its ports want a token), one created with {@code true} is, and one whose own default
     * is public is too.
     */
    @Test
    void allowPublicTrafficIsWhatTheEdgeDoes() {
        String unsaid = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        assertThat(api.get("/sandboxes/" + unsaid).json().at("/network/allowPublicTraffic").asBoolean(true)).isFalse();
        String open = api.create("{\"templateID\":\"base\",\"network\":{\"allowPublicTraffic\":true}}")
                .get("sandboxID").asText();
        assertThat(api.get("/sandboxes/" + open).json().at("/network/allowPublicTraffic").asBoolean(false)).isTrue();
        String closed = api.create("{\"templateID\":\"base\",\"network\":{\"allowPublicTraffic\":false}}")
                .get("sandboxID").asText();
        assertThat(api.get("/sandboxes/" + closed).json().at("/network/allowPublicTraffic").asBoolean(true)).isFalse();
    }

    /** E2B's legacy {@code <sandboxID>-<clientID>} form names the same sandbox. */
    @Test
    void legacyIdWithClientIdSuffix() {
        String id = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        assertThat(api.get("/sandboxes/" + id + "-6532622b").json().get("sandboxID").asText()).isEqualTo(id);
    }

    @Test
    void unknownSandboxIs404() {
        Resp r = api.get("/sandboxes/doesnotexist123");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("code").asInt()).isEqualTo(404);
        assertThat(r.json().get("message").asText())
                .isEqualTo("Sandbox \"doesnotexist123\" doesn't exist or you don't have access to it");
    }

    @Test
    void invalidIdIs400() {
        Resp r = api.get("/sandboxes/NotAnId");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("code").asInt()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).isEqualTo("Invalid sandbox ID");
    }
}
