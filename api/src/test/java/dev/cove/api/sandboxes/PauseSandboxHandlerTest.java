package dev.cove.api.sandboxes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import dev.cove.core.runtime.PauseState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Pause, the deprecated resume and connect's resume against a real runtime: E2B's statuses and the states between. */
class PauseSandboxHandlerTest extends ApiTest {

    @Test
    void pauseThenConnectResumesWithTheRequestedTimeout() {
        String id = api.create("{\"templateID\":\"base\",\"timeout\":300}").get("sandboxID").asText();
        assertThat(api.post("/sandboxes/" + id + "/pause", "{}").status()).isEqualTo(204);
        assertThat(runtime.pauseState(id)).isEqualTo(PauseState.FROZEN);
        JsonNode detail = api.get("/sandboxes/" + id).json();
        assertThat(detail.get("state").asText()).isEqualTo("paused");

        Resp again = api.post("/sandboxes/" + id + "/pause", "{}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(api.post("/sandboxes/" + id + "/timeout", "{\"timeout\":30}").status()).as("not while paused").isEqualTo(409);
        assertThat(api.post("/sandboxes/" + id + "/refreshes", "{\"duration\":30}").status()).isEqualTo(409);

        Resp resumed = api.post("/v2/sandboxes/" + id + "/connect", "{\"timeout\":60}");
        assertThat(resumed.status()).isEqualTo(201);
        assertThat(runtime.pauseState(id)).isEqualTo(PauseState.RUNNING);
        JsonNode running = api.get("/sandboxes/" + id).json();
        assertThat(running.get("state").asText()).isEqualTo("running");
        Duration left = Duration.between(Instant.now(), Instant.parse(running.get("endAt").asText()));
        assertThat(left).isBetween(Duration.ofSeconds(50), Duration.ofSeconds(61));
        assertThat(api.post("/v2/sandboxes/" + id + "/connect", "{\"timeout\":60}").status()).as("running: 200").isEqualTo(200);
        assertThat(runtime.exec(id, "root", java.util.List.of("true"), Duration.ofSeconds(10)).exitCode()).isZero();
    }

    @Test
    void aFileSystemPauseAndTheDeprecatedResume() {
        String id = api.create("{\"templateID\":\"base\",\"timeout\":300}").get("sandboxID").asText();
        assertThat(api.post("/sandboxes/" + id + "/resume", "{}").status()).as("running: 409").isEqualTo(409);
        assertThat(api.post("/sandboxes/" + id + "/pause", "{\"memory\":false}").status()).isEqualTo(204);
        assertThat(runtime.pauseState(id)).isEqualTo(PauseState.STOPPED);
        Resp resumed = api.post("/sandboxes/" + id + "/resume", "{\"timeout\":30}");
        assertThat(resumed.status()).isEqualTo(201);
        assertThat(resumed.json().get("sandboxID").asText()).isEqualTo(id);
        assertThat(runtime.pauseState(id)).isEqualTo(PauseState.RUNNING);
    }

    @Test
    void killWhilePausedAndUnknownSandboxes() {
        String id = api.create("{\"templateID\":\"base\",\"timeout\":300}").get("sandboxID").asText();
        assertThat(api.post("/sandboxes/" + id + "/pause", "{}").status()).isEqualTo(204);
        assertThat(api.delete("/sandboxes/" + id).status()).isEqualTo(204);
        assertThat(runtime.get(id)).isNull();
        assertThat(api.post("/sandboxes/" + id + "/pause", "{}").status()).isEqualTo(404);
        assertThat(api.post("/sandboxes/" + id + "/connect", "{\"timeout\":10}").status()).as("never resurrected").isEqualTo(404);
        assertThat(api.post("/sandboxes/nosuchsandbox1/pause", "{}").status()).isEqualTo(404);
        assertThat(api.post("/sandboxes/" + id + "/pause", "{\"memory\":\"no\"}").status()).isEqualTo(400);
    }
}
