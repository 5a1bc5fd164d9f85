package dev.cove.api.sandboxes;

import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static java.time.temporal.ChronoUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RefreshSandboxHandlerTest extends ApiTest {

    /** Refresh only extends: a shorter duration (or none: 15 s) leaves endAt as it was; a longer one moves it. */
    @Test
    void extendsOnly() {
        String id = api.create("{\"templateID\":\"base\",\"timeout\":300}").get("sandboxID").asText();
        String endAt = endAt(id);

        assertThat(api.post("/sandboxes/" + id + "/refreshes", "{\"duration\":10}").status()).isEqualTo(204);
        assertThat(endAt(id)).isEqualTo(endAt);
        assertThat(api.post("/sandboxes/" + id + "/refreshes", null).status()).isEqualTo(204);
        assertThat(endAt(id)).isEqualTo(endAt);

        assertThat(api.post("/sandboxes/" + id + "/refreshes", "{\"duration\":3600}").status()).isEqualTo(204);
        assertThat(Instant.parse(endAt(id))).isCloseTo(Instant.now().plusSeconds(3600), within(2, SECONDS));
    }

    /** The minimum is 15 s: a sandbox about to end gets at least that. */
    @Test
    void minimumIs15Seconds() {
        String id = api.create("{\"templateID\":\"base\",\"timeout\":5}").get("sandboxID").asText();
        assertThat(api.post("/sandboxes/" + id + "/refreshes", "{\"duration\":1}").status()).isEqualTo(204);
        assertThat(Instant.parse(endAt(id))).isCloseTo(Instant.now().plusSeconds(15), within(2, SECONDS));
    }

    @Test
    void outOfRangeAndUnknown() {
        String id = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        for (String body : new String[] {"{\"duration\":3601}", "{\"duration\":-1}", "{\"duration\":\"60\"}"}) {
            Resp r = api.post("/sandboxes/" + id + "/refreshes", body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.json().get("message").asText()).startsWith("Error when parsing request: field 'duration'");
        }
        Resp unknown = api.post("/sandboxes/nosuchsandbox/refreshes", "{}");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("code").asInt()).isEqualTo(404);
    }

    private String endAt(String id) { return api.get("/sandboxes/" + id).json().get("endAt").asText(); }
}
