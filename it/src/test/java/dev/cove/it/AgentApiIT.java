package dev.cove.it;

import dev.cove.api.testing.EnvdClient;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import static dev.cove.it.CoveServerProcess.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sandbox agent API black-box: a real {@code cove server}, reached through its edge over HTTPS at
 * {@code 49983-<id>.cove.localhost} (and by E2B's header routing on a shared host), as the E2B SDKs reach it.
 */
class AgentApiIT {
    static final String PREFIX = "coveenv";
    static Path dataDir;
    static CoveServerProcess server;
    static String id;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("cove-it-agent");
        server = new CoveServerProcess(dataDir, PREFIX, "10.203.128.0/17", "fd63:6f7a::/32").start();
        HttpResponse<String> r = server.api("POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"secure\":true,\"timeout\":300}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode sbx = json(r);
        id = sbx.get("sandboxID").asText();
        token = sbx.get("envdAccessToken").asText();
        assertThat(sbx.get("envdVersion").asText()).isEqualTo("0.6.13");
    }

    @AfterAll
    static void stop() throws Exception {
        if (server == null) return;
        server.api("DELETE", "/sandboxes/" + id, null);
        server.close();
        assertThat(HostResources.allLeftovers(PREFIX, dataDir)).as("nothing of any sandbox outlives the tests").isEmpty();
        HostResources.removeEmptyCgroupParents(PREFIX);
        HostResources.deleteTree(dataDir);
    }

    private static EnvdClient agent(HttpClient.Version version) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(version).sslContext(server.trustCoveCa())
                .connectTimeout(Duration.ofSeconds(5)).build();
        return new EnvdClient(http, "https://49983-" + id + "." + CoveServerProcess.DOMAIN + ":" + server.httpsPort, null)
                .header("X-Access-Token", token);
    }

    @Test
    void commandsAndFilesThroughTheEdgeOverHttps() throws Exception {
        for (HttpClient.Version v : HttpClient.Version.values()) {
            EnvdClient c = agent(v);
            EnvdClient.Stream s = c.stream("process.Process/Start", EnvdClient.startRequest("echo hi; id -un", null, null),
                    null, Map.of("Keepalive-Ping-Interval", "50", "Connect-Timeout-Ms", "60000"));
            assertThat(s.response.version()).isEqualTo(v);
            EnvdClient.Result r = c.collect(s);
            assertThat(r.out()).isEqualTo("hi\nuser\n");
            assertThat(r.status()).isEqualTo("exit status 0");

            byte[] mb = new byte[1 << 20];
            Arrays.fill(mb, (byte) 'q');
            HttpResponse<String> up = c.send(c.request("/files?path=/home/user/edge-" + v + ".bin", null)
                    .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(mb)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
            HttpResponse<byte[]> down = c.send(c.request("/files?path=/home/user/edge-" + v + ".bin", null).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(down.statusCode()).isEqualTo(200);
            assertThat(down.body()).isEqualTo(mb);
            JsonNode stat = c.unary("filesystem.Filesystem/Stat", EnvdClient.path("/home/user/edge-" + v + ".bin"), null);
            assertThat(stat.path("entry").path("size").asText()).isEqualTo(Integer.toString(1 << 20));
        }
        // the token is required through the edge too
        EnvdClient anonymous = agent(HttpClient.Version.HTTP_1_1).header("X-Access-Token", null);
        HttpResponse<String> denied = anonymous.send(anonymous.request("/process.Process/List", null)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(denied.statusCode()).isEqualTo(401);
        assertThat(anonymous.send(anonymous.request("/health", null).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(204);
    }

    @Test
    void headerRoutingOnASharedHostAndForgedInternalHeaders() throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(server.trustCoveCa()).build();
        EnvdClient shared = new EnvdClient(http, "https://localhost:" + server.httpsPort, null)
                .header("E2b-Sandbox-Id", id).header("E2b-Sandbox-Port", "49983").header("X-Access-Token", token);
        assertThat(shared.run("echo shared", null).out()).isEqualTo("shared\n");
        // a client cannot reach the agent API by sending the edge's internal header to the API host
        HttpResponse<String> forged = http.send(HttpRequest.newBuilder(server.apiUri("/health"))
                .header("X-Cove-Sandbox-Id", id).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(200); // the REST API's health, not the agent's 204
        // an unknown sandbox's agent port: E2B's 502
        EnvdClient unknown = new EnvdClient(http, "https://49983-zzzzzzzzzzzzzzzzzzzz." + CoveServerProcess.DOMAIN + ":"
                + server.httpsPort, null);
        HttpResponse<String> r = unknown.send(unknown.request("/health", null).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(EnvdClient.read(r.body()).path("message").asText()).isEqualTo("The sandbox was not found");
    }
}
