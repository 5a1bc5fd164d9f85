package dev.cove.api.sandboxes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import dev.cove.api.testing.TestPlane;
import dev.cove.core.routing.SandboxRoute;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static java.time.temporal.ChronoUnit.MILLIS;
import static java.time.temporal.ChronoUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

class SetTimeoutHandlerTest extends ApiTest {

    /**
     * Shortening works and the reaper ends the sandbox at its new end, not before and not much after:
     * then GET is 404 and the directory says ENDED with reason timeout.
     */
    @Test
    void shortenedSandboxIsReapedOnTime() {
        String id = api.create("{\"templateID\":\"base\",\"timeout\":300}").get("sandboxID").asText();
        Resp set = api.post("/sandboxes/" + id + "/timeout", "{\"timeout\":2}");
        assertThat(set.status()).as(set.toString()).isEqualTo(204);
        Instant endAt = Instant.parse(api.get("/sandboxes/" + id).json().get("endAt").asText());
        assertThat(endAt).isCloseTo(Instant.now().plusSeconds(2), within(1, SECONDS));

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(
                () -> api.plane().directory().lookup(id).state() == SandboxRoute.State.ENDED);
        SandboxRoute route = api.plane().directory().lookup(id);
        assertThat(route.endReason()).isEqualTo("timeout");
        assertThat(route.endedAt()).isAfterOrEqualTo(endAt.truncatedTo(MILLIS));
        assertThat(Duration.between(endAt, route.endedAt())).isLessThan(Duration.ofSeconds(3));
        assertThat(runtime.get(id)).isNull();
        Resp gone = api.get("/sandboxes/" + id);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().get("message").asText()).contains("doesn't exist");
    }

    /** A later timeout lengthens the sandbox's life. */
    @Test
    void lengthen() {
        String id = api.create("{\"templateID\":\"base\",\"timeout\":30}").get("sandboxID").asText();
        assertThat(api.post("/sandboxes/" + id + "/timeout", "{\"timeout\":600}").status()).isEqualTo(204);
        Instant endAt = Instant.parse(api.get("/sandboxes/" + id).json().get("endAt").asText());
        assertThat(endAt).isCloseTo(Instant.now().plusSeconds(600), within(2, SECONDS));
    }

    /** 0 (and, as in E2B, anything negative) ends the sandbox now. */
    @Test
    void zeroAndNegativeEndNow() {
        String a = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        String b = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        assertThat(api.post("/sandboxes/" + a + "/timeout", "{\"timeout\":0}").status()).isEqualTo(204);
        assertThat(api.post("/sandboxes/" + b + "/timeout", "{\"timeout\":-30}").status()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(10)).until(() -> api.get("/sandboxes/" + a).status() == 404
                && api.get("/sandboxes/" + b).status() == 404);
        assertThat(api.plane().directory().lookup(a).endReason()).isEqualTo("timeout");
        assertThat(runtime.get(b)).isNull();
    }

    /** The end never passes start + max length: a timeout beyond it is cut there. */
    @Test
    void neverBeyondMaxLength() {
        try (TestPlane shortLived = TestPlane.start(dir.resolve("api-max"), runtime,
                b -> b.maxSandboxLength(Duration.ofSeconds(90)))) {
            JsonNode sbx = shortLived.create("{\"templateID\":\"base\",\"timeout\":30}");
            String id = sbx.get("sandboxID").asText();
            assertThat(shortLived.post("/sandboxes/" + id + "/timeout", "{\"timeout\":3600}").status()).isEqualTo(204);
            JsonNode d = shortLived.get("/sandboxes/" + id).json();
            Instant startedAt = Instant.parse(d.get("startedAt").asText());
            assertThat(Instant.parse(d.get("endAt").asText())).isCloseTo(startedAt.plusSeconds(90), within(1, SECONDS));
            Resp tooLong = shortLived.post("/sandboxes", "{\"templateID\":\"base\",\"timeout\":91}");
            assertThat(tooLong.json().get("message").asText()).isEqualTo("Timeout cannot be greater than 90 seconds");
        }
    }

    @Test
    void badRequests() {
        String id = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        Resp missing = api.post("/sandboxes/" + id + "/timeout", "{}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("message").asText()).startsWith("Error when parsing request: field 'timeout' is required");
        Resp text = api.post("/sandboxes/" + id + "/timeout", "{\"timeout\":\"10\"}");
        assertThat(text.status()).isEqualTo(400);
        assertThat(text.json().get("code").asInt()).isEqualTo(400);
        Resp malformed = api.post("/sandboxes/" + id + "/timeout", "timeout=10");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("message").asText()).startsWith("Error when parsing request: malformed JSON");
        Resp unknown = api.post("/sandboxes/nosuchsandbox/timeout", "{\"timeout\":10}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("code").asInt()).isEqualTo(404);
        assertThat(api.get("/sandboxes/" + id).status()).isEqualTo(200);
    }
}
