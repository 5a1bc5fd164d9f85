package dev.cove.api.envd;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.EnvdClient;
import dev.cove.api.testing.Resp;
import dev.cove.api.testing.TestPlane;
import dev.cove.core.routing.PortAccess;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The agent API behind its token: under the shipped {@code --default-port-access private} every sandbox's agent needs
 * its envdAccessToken and an open one is refused; under {@code public} E2B's rules stay exactly. CORS headers only
 * where the token is required.
 */
class AgentTokenTest extends ApiTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static EnvdClient agent(TestPlane plane, String id) {
        return new EnvdClient(HTTP, "http://127.0.0.1:" + plane.plane().port(), id);
    }

    /** A browser's preflight for a Connect call from another origin. */
    static HttpResponse<String> preflight(EnvdClient c) {
        return c.send(c.request("/process.Process/Start", null)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,x-evil").build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void underPrivateEveryAgentNeedsItsTokenAndAnOpenOneIsRefused() {
        // a v1 create without 'secure' was an open agent: root commands for anyone who knew the id
        JsonNode sbx = api.create("{\"templateID\":\"base\",\"timeout\":120}");
        String id = sbx.get("sandboxID").asText();
        String token = sbx.get("envdAccessToken").asText();
        assertThat(token).matches("[0-9a-f]{64}");
        EnvdClient anonymous = agent(api, id);
        assertThatThrownBy(() -> anonymous.run("id -u", "root")).isInstanceOfSatisfying(EnvdClient.ConnectError.class,
                e -> assertThat(e.httpStatus).isEqualTo(401));
        assertThat(agent(api, id).header("X-Access-Token", token).run("id -u", "root").out()).isEqualTo("0\n");
        assertThat(api.get("/sandboxes/" + id).json().get("envdAccessToken").asText()).isEqualTo(token);

        int before = api.get("/v2/sandboxes?state=running,paused").json().size();
        for (String path : new String[]{"/sandboxes", "/v2/sandboxes"}) {
            Resp open = api.post(path, "{\"templateID\":\"base\",\"secure\":false}");
            assertThat(open.status()).as(path + " " + open).isEqualTo(400);
            assertThat(open.json().get("code").asInt()).isEqualTo(400);
            assertThat(open.json().get("message").asText()).contains("'secure: false' is refused", "envdAccessToken",
                    "Omit 'secure' or send true", "--default-port-access public");
        }
        assertThat(api.get("/v2/sandboxes?state=running,paused").json().size()).as("nothing was made").isEqualTo(before);
    }

    /** Wildcard CORS and reflected headers on a guarded agent; an open one (E2B's secure: false) gets none. */
    @Test
    void corsOnlyWhereATokenIsRequired() {
        String secured = api.create("{\"templateID\":\"base\",\"timeout\":120}").get("sandboxID").asText();
        HttpResponse<String> guarded = preflight(agent(api, secured));
        assertThat(guarded.statusCode()).isEqualTo(204);
        assertThat(guarded.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
        assertThat(guarded.headers().firstValue("Access-Control-Allow-Headers")).hasValue("content-type,x-evil");

        try (TestPlane e2b = TestPlane.start(dir.resolve("api-public"), runtime,
                b -> b.defaultPortAccess(PortAccess.PUBLIC))) {
            // E2B's rules exactly: v1 open unless asked, v2 secured even when asked not to be
            JsonNode open = createOn(e2b, "/sandboxes", "{\"templateID\":\"base\",\"timeout\":120,\"secure\":false}");
            assertThat(open.has("envdAccessToken")).isFalse();
            assertThat(createOn(e2b, "/sandboxes", "{\"templateID\":\"base\",\"timeout\":120}").has("envdAccessToken")).isFalse();
            assertThat(createOn(e2b, "/v2/sandboxes", "{\"templateID\":\"base\",\"timeout\":120,\"secure\":false}")
                    .get("envdAccessToken").asText()).matches("[0-9a-f]{64}");
            Resp privateTrafficOpenAgent = e2b.post("/sandboxes", "{\"templateID\":\"base\",\"network\":{\"allowPublicTraffic\":false}}");
            assertThat(privateTrafficOpenAgent.status()).isEqualTo(400);
            assertThat(privateTrafficOpenAgent.json().get("message").asText())
                    .isEqualTo("You cannot create a sandbox without public access unless you enable secure envd access via 'secure' flag.");
            JsonNode asked = createOn(e2b, "/sandboxes", "{\"templateID\":\"base\",\"timeout\":120,\"secure\":true}");

            EnvdClient openAgent = agent(e2b, open.get("sandboxID").asText());
            assertThat(openAgent.run("echo open", null).out()).isEqualTo("open\n");
            HttpResponse<String> pre = preflight(openAgent);
            assertThat(pre.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            assertThat(pre.headers().firstValue("Access-Control-Allow-Headers")).isEmpty();
            HttpResponse<String> health = openAgent.send(openAgent.request("/health", null).header("Origin", "https://evil.example")
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(204);
            assertThat(health.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

            assertThat(preflight(agent(e2b, asked.get("sandboxID").asText())).headers()
                    .firstValue("Access-Control-Allow-Origin")).hasValue("*");
        }
    }

    private static JsonNode createOn(TestPlane plane, String path, String body) {
        Resp r = plane.post(path, body);
        assertThat(r.status()).as(path + " " + r).isEqualTo(201);
        return r.json();
    }
}
