package dev.cove.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static dev.cove.it.CoveServerProcess.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The server is killed with SIGKILL while sandboxes run and while others are being created, then started
 * again on the same data directory: running sandboxes are still listed and usable, their timers still fire,
 * and nothing the crash caught half-made is left on the host.
 */
class CrashRecoveryIT {
    static final String PREFIX = "covecrsh";
    static Path dataDir;
    static CoveServerProcess server;

    @BeforeAll
    static void setUp() throws Exception {
        dataDir = Files.createTempDirectory("cove-it-crash");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (server != null) {
            for (JsonNode s : json(server.api("GET", "/v2/sandboxes", null))) {
                server.api("DELETE", "/sandboxes/" + s.get("sandboxID").asText(), null);
            }
            server.close();
        }
        assertThat(HostResources.allLeftovers(PREFIX, dataDir)).as("nothing outlives the test").isEmpty();
        HostResources.removeEmptyCgroupParents(PREFIX);
        HostResources.deleteTree(dataDir);
    }

    private static CoveServerProcess newServer() {
        return new CoveServerProcess(dataDir, PREFIX, "10.212.0.0/16", "fd63:6f82::/32");
    }

    private static String create(int timeoutSeconds) throws Exception {
        HttpResponse<String> r = server.api("POST", "/v2/sandboxes",
                "{\"templateID\":\"base\",\"timeout\":" + timeoutSeconds + ",\"metadata\":{\"suite\":\"crash\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return json(r).get("sandboxID").asText();
    }

    @Test
    void sandboxesSurviveASigkilledServerAndNothingHalfMadeLeaks() throws Exception {
        server = newServer().start();
        String longLived = create(300);
        String shortLived = create(20);
        Instant shortEndAt = Instant.parse(json(server.api("GET", "/sandboxes/" + shortLived, null)).get("endAt").asText());
        SandboxExec.sh(dataDir, PREFIX, longLived, "echo before-crash > /root/marker");

        // Creates in flight when the server dies: whatever they got to make must be swept on restart.
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            inFlight.add(server.client().sendAsync(HttpRequest.newBuilder(server.apiUri("/v2/sandboxes"))
                    .header("X-API-KEY", CoveServerProcess.API_KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"templateID\":\"base\",\"timeout\":300}")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        Thread.sleep(60);
        server.crash();
        inFlight.forEach(f -> f.cancel(true));

        server = newServer().start();
        JsonNode listed = json(server.api("GET", "/v2/sandboxes?state=running", null));
        Set<String> ids = new HashSet<>();
        listed.forEach(s -> ids.add(s.get("sandboxID").asText()));
        assertThat(ids).contains(longLived, shortLived);

        // Still usable: the same processes and files, not a new sandbox.
        assertThat(SandboxExec.sh(dataDir, PREFIX, longLived, "cat /root/marker")).isEqualTo("before-crash");
        assertThat(SandboxExec.sh(dataDir, PREFIX, longLived, "hostname")).isEqualTo(longLived);

        // Nothing on the host belongs to a sandbox the server does not list.
        for (String netns : HostResources.netns(PREFIX)) {
            assertThat(ids).as("netns " + netns + " belongs to a listed sandbox").contains(netns.substring(PREFIX.length() + 1));
        }
        for (String container : HostResources.containers(dataDir)) {
            assertThat(ids).as("container " + container).contains(container.substring(PREFIX.length() + 1));
        }
        try (var dirs = Files.list(dataDir.resolve("sandboxes"))) {
            dirs.forEach(d -> assertThat(ids).as("sandbox dir " + d).contains(d.getFileName().toString()));
        }
        assertThat(HostResources.links(PREFIX)).hasSize(ids.size());

        // The timer of the short-lived one survived the crash: it expires at its stored endAt.
        await().atMost(Duration.between(Instant.now(), shortEndAt).plusSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> server.api("GET", "/sandboxes/" + shortLived, null).statusCode() == 404);
        assertThat(Instant.now()).isAfterOrEqualTo(shortEndAt);
        assertThat(HostResources.leftoversOf(PREFIX, dataDir, shortLived)).isEmpty();
        assertThat(server.api("GET", "/sandboxes/" + longLived, null).statusCode()).isEqualTo(200);
    }
}
