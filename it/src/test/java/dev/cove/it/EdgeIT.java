package dev.cove.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.cove.it.CoveServerProcess.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The edge into sandboxes, black-box: a real {@code cove server}, real sandboxes, and servers started inside them
 * (with the OCI runtime's own exec, as an operator could), reached at {@code <port>-<id>.cove.localhost} over
 * HTTP/1.1, HTTP/2 over TLS and WebSocket.
 */
class EdgeIT {
    static final String PREFIX = "coveedge";
    static final String BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";
    static Path dataDir;
    static CoveServerProcess server;
    static final List<String> created = new ArrayList<>();
    static String sbx;
    static HttpClient http1;
    static HttpClient http2;

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("cove-it-edge");
        server = new CoveServerProcess(dataDir, PREFIX, "10.211.0.0/16", "fd63:6f81::/32", "--metrics-port", "0").start();
        http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(server.trustCoveCa())
                .connectTimeout(Duration.ofSeconds(5)).build();
        http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(server.trustCoveCa())
                .connectTimeout(Duration.ofSeconds(5)).build();
        sbx = create("{\"templateID\":\"base\",\"timeout\":300,\"network\":{\"maskRequestHost\":\"localhost:${PORT}\"}}");
        installServer(sbx);
        startServer(sbx, "0.0.0.0", 3000);
        startServer(sbx, "127.0.0.1", 3001);
        startServer(sbx, "::1", 3002);
        startServer(sbx, "127.0.0.1", 5173, "--allowed-host", "localhost:5173");
        for (int port : new int[] {3000, 3001, 3002, 5173}) awaitListening(sbx, port);
    }

    @AfterAll
    static void stop() throws Exception {
        if (http1 != null) http1.close();
        if (http2 != null) http2.close();
        if (server == null) return;
        for (String id : created) server.api("DELETE", "/sandboxes/" + id, null);
        server.close();
        assertThat(HostResources.allLeftovers(PREFIX, dataDir)).as("nothing of any sandbox outlives the tests").isEmpty();
        HostResources.removeEmptyCgroupParents(PREFIX);
        HostResources.deleteTree(dataDir);
    }

    static String create(String body) throws Exception {
        HttpResponse<String> r = server.api("POST", "/v2/sandboxes", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String id = json(r).get("sandboxID").asText();
        created.add(id);
        return id;
    }

    static void installServer(String id) throws Exception { SandboxExec.installTestServer(dataDir, PREFIX, id); }

    /** Starts a test server in the sandbox, detached, as user 'user'. */
    static void startServer(String id, String bind, int port, String... extra) throws Exception {
        List<String> argv = new ArrayList<>(List.of("python3", "/tmp/server.py", "--bind", bind, "--port", String.valueOf(port)));
        argv.addAll(List.of(extra));
        SandboxExec.detached(dataDir, PREFIX, id, argv.toArray(String[]::new));
    }

    static void awaitListening(String id, int port) { SandboxExec.awaitListening(dataDir, PREFIX, id, port); }

    static URI http(String id, int port, String path) {
        return URI.create("http://" + port + "-" + id + "." + CoveServerProcess.DOMAIN + ":" + server.httpPort + path);
    }

    static URI https(String id, int port, String path) {
        return URI.create("https://" + port + "-" + id + "." + CoveServerProcess.DOMAIN + ":" + server.httpsPort + path);
    }

    static HttpResponse<String> get(HttpClient client, URI uri, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) b.headers(headers);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Servers bound to 0.0.0.0, 127.0.0.1 and ::1 inside a real sandbox are reached over HTTP/1.1 and HTTP/2. */
    @Test
    void serversInsideTheSandboxAreReached() throws Exception {
        for (int port : new int[] {3000, 3001, 3002}) {
            HttpResponse<String> plain = get(http1, http(sbx, port, "/a?b=c"));
            assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
            assertThat(json(plain).get("path").asText()).isEqualTo("/a?b=c");
            HttpResponse<String> h2 = get(http2, https(sbx, port, "/"));
            assertThat(h2.statusCode()).isEqualTo(200);
            assertThat(h2.version()).isEqualTo(HttpClient.Version.HTTP_2);
            JsonNode body = json(h2);
            assertThat(body.get("xForwardedProto").asText()).isEqualTo("https");
            assertThat(body.get("xForwardedHost").asText()).startsWith(port + "-" + sbx + ".");
        }
    }

    /** SSE and slow chunked responses stream through, part by part. */
    @Test
    void streamsArriveIncrementally() throws Exception {
        for (String path : List.of("/sse", "/slow")) {
            for (HttpClient client : List.of(http1, http2)) {
                URI uri = client == http1 ? http(sbx, 3000, path) : https(sbx, 3000, path);
                HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofInputStream());
                List<Long> arrivals = new ArrayList<>();
                long start = System.nanoTime();
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                    for (String line; (line = lines.readLine()) != null; ) {
                        if (line.startsWith("data: event") || line.startsWith("chunk ")) arrivals.add((System.nanoTime() - start) / 1_000_000);
                    }
                }
                assertThat(arrivals).as(path).hasSize(5);
                assertThat(arrivals.getLast() - arrivals.getFirst()).as(path + " " + arrivals).isGreaterThan(900);
            }
        }
    }

    /** WebSocket through the edge, plain and TLS; and a Host-checking dev server with maskRequestHost, page and socket. */
    @Test
    void webSocketsEchoAndMaskRequestHostSatisfiesViteStyleServers() throws Exception {
        for (String uri : List.of("ws://3000-" + sbx + ".cove.localhost:" + server.httpPort + "/ws",
                "wss://3000-" + sbx + ".cove.localhost:" + server.httpsPort + "/ws",
                "ws://5173-" + sbx + ".cove.localhost:" + server.httpPort + "/ws")) {
            LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
            WebSocket ws = http1.newWebSocketBuilder().buildAsync(URI.create(uri), new WebSocket.Listener() {
                final StringBuilder partial = new StringBuilder();
                @Override
                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) { received.add(partial.toString()); partial.setLength(0); }
                    w.request(1);
                    return null;
                }
            }).get(20, TimeUnit.SECONDS);
            for (int i = 0; i < 5; i++) {
                ws.sendText("hello " + i, true).get(10, TimeUnit.SECONDS);
                assertThat(received.poll(10, TimeUnit.SECONDS)).as(uri).isEqualTo("hello " + i);
            }
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        }
        HttpResponse<String> page = get(http2, https(sbx, 5173, "/"));
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(json(page).get("host").asText()).isEqualTo("localhost:5173");
    }

    /** Each failure row of the edge, JSON for programs and HTML for browsers. */
    @Test
    void failuresAreTypedInJsonAndHtml() throws Exception {
        // Nothing listens: the ports that do are named.
        HttpResponse<String> closed = get(http1, http(sbx, 4000, "/"));
        assertThat(closed.statusCode()).isEqualTo(502);
        JsonNode body = json(closed);
        assertThat(body.get("code").asText()).isEqualTo("port_not_listening");
        assertThat(body.get("message").asText()).contains("Nothing listens on port 4000").contains("3000").contains("5173");
        HttpResponse<String> closedPage = get(http1, http(sbx, 4000, "/"), "User-Agent", BROWSER_UA);
        assertThat(closedPage.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(closedPage.body()).contains("Nothing listens on port 4000");

        // Unknown sandbox: 404; agent port of an unknown sandbox: E2B's 502 body.
        HttpResponse<String> unknown = get(http1, http("nosuchsandbox0000000", 3000, "/"));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("code").asText()).isEqualTo("sandbox_not_found");
        assertThat(get(http1, http("nosuchsandbox0000000", 3000, "/"), "User-Agent", BROWSER_UA).body()).contains("<title>Sandbox Not Found</title>");
        HttpResponse<String> agent = get(http1, http("nosuchsandbox0000000", 49983, "/health"));
        assertThat(agent.statusCode()).isEqualTo(502);
        assertThat(json(agent).get("message").asText()).isEqualTo("The sandbox was not found");
        assertThat(json(agent).get("code").asInt()).isEqualTo(502);

        // Bad hosts: E2B's plain-text 400.
        HttpResponse<String> badPort = get(http1, URI.create("http://x-" + sbx + ".cove.localhost:" + server.httpPort + "/"));
        assertThat(badPort.statusCode()).isEqualTo(400);

        // A killed sandbox: 410 with the reason.
        String doomed = create("{\"templateID\":\"base\",\"timeout\":300}");
        assertThat(server.api("DELETE", "/sandboxes/" + doomed, null).statusCode()).isEqualTo(204);
        HttpResponse<String> killed = get(http1, http(doomed, 3000, "/"));
        assertThat(killed.statusCode()).isEqualTo(410);
        assertThat(json(killed).get("reason").asText()).isEqualTo("killed");
    }

    /** After a sandbox's timeout its URLs answer 410 with reason "timeout" and when it ended. */
    @Test
    void timedOutSandboxAnswers410WithTheReason() throws Exception {
        String shortLived = create("{\"templateID\":\"base\",\"timeout\":2}");
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                .until(() -> get(http1, http(shortLived, 3000, "/")).statusCode() == 410);
        for (HttpClient client : List.of(http1, http2)) {
            HttpResponse<String> r = get(client, client == http1 ? http(shortLived, 8080, "/") : https(shortLived, 8080, "/"));
            assertThat(r.statusCode()).isEqualTo(410);
            JsonNode body = json(r);
            assertThat(body.get("code").asText()).isEqualTo("sandbox_ended");
            assertThat(body.get("reason").asText()).isEqualTo("timeout");
            assertThat(body.get("endedAt").asText()).isNotBlank();
        }
        HttpResponse<String> page = get(http1, http(shortLived, 3000, "/"), "User-Agent", BROWSER_UA);
        assertThat(page.body()).contains("<title>Sandbox Ended</title>").contains("reached its timeout");
    }

    /** The operator's metrics port counts what went through. */
    @Test
    void metricsCountSandboxTraffic() throws Exception {
        get(http1, http(sbx, 3000, "/"));
        JsonNode endpoints = CoveServerProcess.JSON.readTree(Files.readString(dataDir.resolve("run/endpoints.json")));
        int metricsPort = endpoints.get("metricsPort").asInt();
        HttpResponse<String> metrics = get(http1, URI.create("http://127.0.0.1:" + metricsPort + "/metrics"));
        assertThat(metrics.body()).containsPattern("cove_edge_requests_total\\{target=\"sandbox\",code=\"200\"} [1-9]");
    }
}
