package dev.cove.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Pause, resume and wake-on-request through a real server: processes keep their memory across a freeze, a
 * file-system pause keeps files and ends processes, URLs answer honestly while paused, traffic wakes a sandbox with
 * autoResume (never one that was killed), autoPause at the timeout, kill while paused, and a restart while paused.
 */
class PauseIT {
    static final String PREFIX = "coveslp";
    static Path dataDir;
    static CoveServerProcess server;
    static final List<String> created = new ArrayList<>();
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("cove-it-pause");
        server = newServer().start();
        http = HttpClient.newBuilder().sslContext(server.trustCoveCa()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    static CoveServerProcess newServer() {
        return new CoveServerProcess(dataDir, PREFIX, "10.222.0.0/16", "fd63:6f8c::/32", "--metrics-port", "0");
    }

    @AfterAll
    static void stop() throws Exception {
        if (http != null) http.close();
        if (server == null) return;
        for (String id : created) server.api("DELETE", "/sandboxes/" + id, null);
        server.close();
        assertThat(HostResources.allLeftovers(PREFIX, dataDir)).as("nothing of any sandbox outlives the tests").isEmpty();
        HostResources.removeEmptyCgroupParents(PREFIX);
        HostResources.deleteTree(dataDir);
    }

    @Test
    void aFrozenCounterKeepsItsCountAndUrlsSayPausedUntilConnect() throws Exception {
        String id = create("{\"templateID\":\"base\",\"timeout\":300}");
        startCounter(id);
        install(id);
        startServer(id, 3000);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(id) > 5);

        ok(server.api("POST", "/sandboxes/" + id + "/pause", "{}"), 204);
        long frozen = count(id);
        Thread.sleep(600);
        assertThat(count(id)).as("nothing runs while frozen").isEqualTo(frozen);
        assertThat(json(server.api("GET", "/sandboxes/" + id, null)).get("state").asText()).isEqualTo("paused");
        JsonNode listed = json(server.api("GET", "/v2/sandboxes?state=paused", null));
        assertThat(listed.findValuesAsText("sandboxID")).contains(id);
        assertThat(server.api("POST", "/sandboxes/" + id + "/pause", "{}").statusCode()).as("already paused").isEqualTo(409);
        assertThat(server.api("POST", "/sandboxes/" + id + "/timeout", "{\"timeout\":60}").statusCode()).isEqualTo(409);

        HttpResponse<String> port = get(url(id, 3000, "/"));
        assertThat(port.statusCode()).isEqualTo(409);
        assertThat(json(port).get("code").asText()).isEqualTo("sandbox_paused");
        HttpResponse<String> page = get(url(id, 3000, "/"), "User-Agent", "Mozilla/5.0 Chrome/156", "Accept", "text/html");
        assertThat(page.body()).contains("<title>Sandbox Paused");
        HttpResponse<String> agent = get(url(id, 49983, "/health"));
        assertThat(agent.statusCode()).as("the SDK reads this as isRunning() == false").isEqualTo(502);

        HttpResponse<String> connected = server.api("POST", "/sandboxes/" + id + "/connect", "{\"timeout\":120}");
        assertThat(connected.statusCode()).as(connected.body()).isEqualTo(201);
        assertThat(server.api("POST", "/sandboxes/" + id + "/connect", "{\"timeout\":120}").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(id) > frozen + 3);
        assertThat(count(id)).as("it went on from where it was, not from 1").isLessThan(frozen + 200);
        assertThat(get(url(id, 3000, "/")).statusCode()).isEqualTo(200);
    }

    @Test
    void aFileSystemPauseKeepsFilesAndEndsProcesses() throws Exception {
        String id = create("{\"templateID\":\"base\",\"timeout\":300}");
        SandboxExec.sh(dataDir, PREFIX, id, "echo kept > /home/user/note");
        startCounter(id);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(id) > 2);
        ok(server.api("POST", "/sandboxes/" + id + "/pause", "{\"memory\":false}"), 204);
        assertThat(HostResources.containers(dataDir)).as("no container while paused without memory")
                .doesNotContain(PREFIX + "-" + id);
        ok(server.api("POST", "/v2/sandboxes/" + id + "/connect", "{\"timeout\":120}"), 201);
        assertThat(SandboxExec.sh(dataDir, PREFIX, id, "cat /home/user/note")).isEqualTo("kept");
        long after = count(id);
        Thread.sleep(400);
        assertThat(count(id)).as("the counter ended with the pause").isEqualTo(after);
        assertThat(SandboxExec.sh(dataDir, PREFIX, id, "ps -eo args")).doesNotContain("counter");
    }

    @Test
    void autoResumeWakesOnTheFirstRequestAndWebSocketsWakeToo() throws Exception {
        String id = create("{\"templateID\":\"base\",\"timeout\":300,\"autoResume\":{\"enabled\":true}}");
        install(id);
        startServer(id, 3000);
        ok(server.api("POST", "/sandboxes/" + id + "/pause", "{}"), 204);
        HttpResponse<String> woken = get(url(id, 3000, "/"));
        assertThat(woken.statusCode()).as("held, then served").isEqualTo(200);
        assertThat(json(server.api("GET", "/sandboxes/" + id, null)).get("state").asText()).isEqualTo("running");

        ok(server.api("POST", "/sandboxes/" + id + "/pause", "{}"), 204);
        List<String> echoed = new ArrayList<>();
        CompletableFuture<String> got = new CompletableFuture<>();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("wss://3000-" + id + "." + CoveServerProcess.DOMAIN
                + ":" + server.httpsPort + "/ws"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                echoed.add(data.toString());
                got.complete(data.toString());
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
        ws.sendText("wake", true).get(5, TimeUnit.SECONDS);
        assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo("wake");
        ws.abort();
        assertThat(metric("cove_edge_wakes_total")).isGreaterThanOrEqualTo(2);

        ok(server.api("DELETE", "/sandboxes/" + id, null), 204);
        HttpResponse<String> gone = get(url(id, 3000, "/"));
        assertThat(gone.statusCode()).as("a killed sandbox is never resurrected by traffic").isEqualTo(410);
    }

    @Test
    void autoPauseAtTheTimeoutThenKillWhilePausedFreesEverything() throws Exception {
        String id = create("{\"templateID\":\"base\",\"timeout\":2,\"autoPause\":true}");
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() ->
                json(server.api("GET", "/sandboxes/" + id, null)).get("state").asText().equals("paused"));
        JsonNode detail = json(server.api("GET", "/sandboxes/" + id, null));
        assertThat(detail.get("lifecycle").get("onTimeout").asText()).isEqualTo("pause");
        Thread.sleep(2500);
        assertThat(json(server.api("GET", "/sandboxes/" + id, null)).get("state").asText())
                .as("a paused sandbox does not expire").isEqualTo("paused");
        ok(server.api("DELETE", "/sandboxes/" + id, null), 204);
        assertThat(HostResources.leftoversOf(PREFIX, dataDir, id)).isEmpty();
        assertThat(server.api("GET", "/sandboxes/" + id, null).statusCode()).isEqualTo(404);
    }

    @Test
    void aRestartKeepsPausedSandboxesPausedAndResumable() throws Exception {
        String frozen = create("{\"templateID\":\"base\",\"timeout\":300}");
        String stopped = create("{\"templateID\":\"base\",\"timeout\":300}");
        startCounter(frozen);
        SandboxExec.sh(dataDir, PREFIX, stopped, "echo kept > /root/note");
        await().atMost(Duration.ofSeconds(10)).until(() -> count(frozen) > 2);
        ok(server.api("POST", "/sandboxes/" + frozen + "/pause", "{}"), 204);
        ok(server.api("POST", "/sandboxes/" + stopped + "/pause", "{\"memory\":false}"), 204);
        long at = count(frozen);

        server.close();
        server = newServer().start();
        for (String id : List.of(frozen, stopped)) {
            assertThat(json(server.api("GET", "/sandboxes/" + id, null)).get("state").asText()).isEqualTo("paused");
            assertThat(get(url(id, 3000, "/")).statusCode()).isEqualTo(409);
        }
        assertThat(count(frozen)).isEqualTo(at);
        ok(server.api("POST", "/sandboxes/" + frozen + "/connect", "{\"timeout\":60}"), 201);
        ok(server.api("POST", "/sandboxes/" + stopped + "/connect", "{\"timeout\":60}"), 201);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(frozen) > at + 2);
        assertThat(SandboxExec.sh(dataDir, PREFIX, stopped, "cat /root/note")).isEqualTo("kept");
    }

    // ---------------------------------------------------------------------------------------------- helpers

    static String create(String body) throws Exception {
        HttpResponse<String> r = server.api("POST", "/v2/sandboxes", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String id = json(r).get("sandboxID").asText();
        created.add(id);
        return id;
    }

    /** A shell loop whose count lives in its memory; it writes it to /tmp/count every 50 ms. */
    static void startCounter(String id) throws Exception {
        detached(id, "/bin/bash", "-c", "exec -a counter sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done'");
    }

    /** Read from the host (the sandbox's writable layer), so it works while the sandbox is frozen. */
    static long count(String id) throws Exception {
        // the upper layer is on the sandbox's disk, wherever its journal says (a ready disk stays in its pool entry)
        Path journal = dataDir.resolve("sandboxes").resolve(id).resolve("runtime.json");
        Path file = Path.of(new ObjectMapper().readTree(journal.toFile()).get("upperDir").asText(), "tmp/count");
        String text = Files.exists(file) ? Files.readString(file).strip() : "";
        return text.isEmpty() ? 0 : Long.parseLong(text);
    }

    static void install(String id) throws Exception { SandboxExec.installTestServer(dataDir, PREFIX, id); }

    static void startServer(String id, int port) throws Exception {
        SandboxExec.detached(dataDir, PREFIX, id, "python3", "/tmp/server.py", "--bind", "0.0.0.0", "--port", String.valueOf(port));
        SandboxExec.awaitListening(dataDir, PREFIX, id, port);
    }

    static void detached(String id, String... argv) throws Exception { SandboxExec.detached(dataDir, PREFIX, id, argv); }

    static long metric(String name) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(l -> l.startsWith(name + " ")).map(l -> (long) Double.parseDouble(l.split(" ")[1]))
                .findFirst().orElse(-1L);
    }

    static URI url(String id, int port, String path) {
        return URI.create("https://" + port + "-" + id + "." + CoveServerProcess.DOMAIN + ":" + server.httpsPort + path);
    }

    static HttpResponse<String> get(URI uri, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60));
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void ok(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    }

    static JsonNode json(HttpResponse<String> r) throws Exception { return CoveServerProcess.JSON.readTree(r.body()); }
}
