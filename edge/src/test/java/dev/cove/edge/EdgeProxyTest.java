package dev.cove.edge;

import dev.cove.edge.upstream.SandboxPortDialer;
import dev.cove.edge.upstream.SocketDialer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.core.routing.SandboxRoute;
import dev.cove.core.routing.SandboxRoute.State;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The edge between real clients (JDK HttpClient, raw sockets) and a real HTTP server standing in for the control plane. */
class EdgeProxyTest {
    static final String DOMAIN = "cove.localhost";
    static final String RUNNING = "running0sandbox0id00";
    static final String PAUSED = "paused00sandbox0id00";
    static final String ENDED = "ended000sandbox0id00";
    static final Instant ENDED_AT = Instant.parse("2026-01-02T03:04:05Z");
    static final String BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dataDir;
    static FakeControlPlane controlPlane;
    static MapSandboxDirectory directory = new MapSandboxDirectory();
    static EdgeServer edge;
    static HttpClient http1;
    static HttpClient http2;

    @BeforeAll
    static void start() throws Exception {
        controlPlane = new FakeControlPlane();
        // No sandbox namespaces here (SandboxPortsTest has them): every sandbox port is refused alike.
        edge = new EdgeServer(config(dataDir, controlPlane.address()).build(), directory, SandboxPortDialer.UNAVAILABLE).start();
        SSLContext trustingCove = trusting(edge.caCertificate());
        http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trustingCove).build();
        http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trustingCove).build();
    }

    @AfterAll
    static void stop() {
        http1.close();
        http2.close();
        edge.close();
        controlPlane.close();
    }

    @BeforeEach
    void resetState() {
        controlPlane.reset();
        directory.clear();
        directory.put(new SandboxRoute(RUNNING, State.RUNNING, "/run/netns/covetest-x", null, null));
        directory.put(new SandboxRoute(PAUSED, State.PAUSED, null, null, null));
        directory.put(new SandboxRoute(ENDED, State.ENDED, null, ENDED_AT, "timeout"));
    }

    /** The edge these tests run: the production default, or the transport the pom's second run names (epoll). */
    static EdgeConfig.Builder config(Path dataDir, InetSocketAddress controlPlane) {
        return EdgeConfig.builder(DOMAIN, dataDir, controlPlane)
                .listen(InetAddress.getLoopbackAddress()).httpPort(0).httpsPort(0)
                .transport(System.getProperty("cove.test.edge.transport", "auto"));
    }

    static SSLContext trusting(Path caCertificate) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caCertificate)) {
            trust.setCertificateEntry("cove-local-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    static URI http(String host, String path) { return URI.create("http://" + host + ":" + edge.httpPort() + path); }

    static URI https(String host, String path) { return URI.create("https://" + host + ":" + edge.httpsPort() + path); }

    static HttpResponse<String> get(HttpClient client, URI uri, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) request.headers(headers);
        return client.send(request.build(), BodyHandlers.ofString());
    }

    // ---- control plane ---------------------------------------------------------------------------------------

    /** The api host is proxied: status, body and headers come back; the control plane sees X-Forwarded-*. */
    @Test
    void apiHostIsProxiedWithForwardedHeaders() throws Exception {
        HttpResponse<String> response = get(http1, http("api." + DOMAIN, "/sandboxes?limit=5"), "X-Custom", "kept");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello from the control plane");
        assertThat(response.headers().firstValue("x-upstream")).hasValue("fake");
        FakeControlPlane.Seen seen = controlPlane.last();
        assertThat(seen.uri()).isEqualTo("/sandboxes?limit=5");
        assertThat(seen.header("x-custom")).isEqualTo("kept");
        assertThat(seen.header("host")).isEqualTo("api." + DOMAIN + ":" + edge.httpPort());
        assertThat(seen.header("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(seen.header("x-forwarded-proto")).isEqualTo("http");
        assertThat(seen.header("x-forwarded-host")).isEqualTo("api." + DOMAIN + ":" + edge.httpPort());
        assertThat(seen.header("x-forwarded-port")).isEqualTo(String.valueOf(edge.httpPort()));
        assertThat(seen.headers()).doesNotContainKey("x-cove-sandbox-id");
    }

    /** {@code localhost:<port>}, an IP, and the bare domain name the control plane too. */
    @ParameterizedTest
    @CsvSource({"localhost", "127.0.0.1", DOMAIN})
    void machineHostsAndBareDomainReachTheControlPlane(String host) throws Exception {
        HttpResponse<String> response = get(http1, http(host, "/health"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(controlPlane.last().uri()).isEqualTo("/health");
        assertThat(controlPlane.last().headers()).doesNotContainKey("x-cove-sandbox-id");
    }

    /** A chunked response reaches the client chunk by chunk: the second chunk is only sent once the first arrived. */
    @Test
    void streamedResponseArrivesIncrementally() throws Exception {
        for (HttpClient client : new HttpClient[] {http1, http2}) {
            controlPlane.reset();
            URI uri = client == http1 ? http("api." + DOMAIN, "/stream") : https("api." + DOMAIN, "/stream");
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofInputStream());
            try (BufferedReader body = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThat(body.readLine()).isEqualTo("first"));
                controlPlane.releaseStream();
                assertThat(body.readLine()).isEqualTo("second");
                assertThat(body.readLine()).isNull();
            }
        }
    }

    /** 50 MB of unknown length (chunked) streams through to the control plane intact. */
    @Test
    void largeChunkedRequestBodyStreamsThrough() throws Exception {
        long size = 50L * 1024 * 1024;
        HttpRequest request = HttpRequest.newBuilder(http("api." + DOMAIN, "/upload"))
                .POST(BodyPublishers.ofInputStream(() -> new PatternStream(size))).build();

        HttpResponse<String> response = http1.send(request, BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("bytes=" + size + " crc=" + PatternStream.crc(size));
        assertThat(controlPlane.last().header("transfer-encoding")).isEqualTo("chunked");
    }

    /**
     * Backpressure, client → upstream: while the control plane does not read, the client cannot push the whole body
     * into the edge; it stalls after what the socket buffers and flow-control windows hold. Then it all arrives intact.
     */
    @ParameterizedTest
    @CsvSource({"HTTP_1_1", "HTTP_2"})
    void slowUpstreamHoldsBackTheClient(HttpClient.Version version) throws Exception {
        long size = 64L * 1024 * 1024;
        AtomicLong sent = new AtomicLong();
        HttpClient client = version == HttpClient.Version.HTTP_1_1 ? http1 : http2;
        URI uri = version == HttpClient.Version.HTTP_1_1 ? http("api." + DOMAIN, "/slow-upload") : https("api." + DOMAIN, "/slow-upload");
        var response = client.sendAsync(HttpRequest.newBuilder(uri)
                .POST(BodyPublishers.ofInputStream(() -> new PatternStream(size, sent))).build(), BodyHandlers.ofString());

        long stalledAt = awaitStall(sent::get);
        controlPlane.releaseUpload();

        assertThat(stalledAt).isLessThan(size * 3 / 4);
        assertThat(response.get(60, TimeUnit.SECONDS).body()).isEqualTo("bytes=" + size + " crc=" + PatternStream.crc(size));
    }

    /** Backpressure, upstream → client: a client that does not read stalls the control plane's writes. */
    @ParameterizedTest
    @CsvSource({"HTTP_1_1", "HTTP_2"})
    void slowClientHoldsBackTheUpstream(HttpClient.Version version) throws Exception {
        long size = 64L * 1024 * 1024;
        HttpClient client = version == HttpClient.Version.HTTP_1_1 ? http1 : http2;
        String path = "/download?bytes=" + size;
        URI uri = version == HttpClient.Version.HTTP_1_1 ? http("api." + DOMAIN, path) : https("api." + DOMAIN, path);
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofInputStream());

        long stalledAt = awaitStall(controlPlane::downloaded);
        assertThat(stalledAt).isLessThan(size * 3 / 4);

        CRC32 crc = new CRC32();
        long received = 0;
        try (InputStream body = response.body()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = body.read(buffer)) > 0; received += n) crc.update(buffer, 0, n);
        }
        assertThat(received).isEqualTo(size);
        assertThat(Long.toHexString(crc.getValue())).isEqualTo(PatternStream.crc(size));
    }

    /** Waits until a progress counter has stopped moving for half a second; returns where it stopped. */
    static long awaitStall(java.util.function.LongSupplier progress) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long last = -1;
        int stillFor = 0;
        while (System.nanoTime() < deadline && stillFor < 5) {
            Thread.sleep(100);
            long now = progress.getAsLong();
            stillFor = now == last && now > 0 ? stillFor + 1 : 0;
            last = now;
        }
        return last;
    }

    /** HTTP/2 over TLS (ALPN h2) is mapped to HTTP/1.1 upstream, request body included, no HTTP/2 leftovers forwarded. */
    @Test
    void http2OverTlsIsProxied() throws Exception {
        HttpResponse<String> response = get(http2, https("api." + DOMAIN, "/sandboxes"));

        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello from the control plane");
        FakeControlPlane.Seen seen = controlPlane.last();
        assertThat(seen.header("x-forwarded-proto")).isEqualTo("https");
        assertThat(seen.header("host")).isEqualTo("api." + DOMAIN + ":" + edge.httpsPort());
        assertThat(seen.headers().keySet()).noneMatch(name -> name.startsWith("x-http2-"));

        long size = 8L * 1024 * 1024;
        HttpResponse<String> upload = http2.send(HttpRequest.newBuilder(https("api." + DOMAIN, "/upload"))
                .POST(BodyPublishers.ofInputStream(() -> new PatternStream(size))).build(), BodyHandlers.ofString());
        assertThat(upload.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(upload.body()).isEqualTo("bytes=" + size + " crc=" + PatternStream.crc(size));
    }

    /** HTTP/1.1 over TLS for clients that do not offer h2. */
    @Test
    void http1OverTlsIsProxied() throws Exception {
        HttpResponse<String> response = get(http1, https("api." + DOMAIN, "/x"));

        assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(controlPlane.last().header("x-forwarded-proto")).isEqualTo("https");
    }

    /** The plain port speaks h2c too (the JDK client upgrades a body-less request with {@code Upgrade: h2c}). */
    @Test
    void plainPortUpgradesToH2c() throws Exception {
        try (HttpClient h2c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()) {
            HttpResponse<String> first = get(h2c, http("api." + DOMAIN, "/one"));
            HttpResponse<String> second = get(h2c, http("api." + DOMAIN, "/two"));

            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("hello from the control plane");
            assertThat(second.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(second.body()).isEqualTo("hello from the control plane");
            assertThat(controlPlane.last().uri()).isEqualTo("/two");
        }
    }

    /** The plain port also takes HTTP/2 with prior knowledge ({@code curl --http2-prior-knowledge}). */
    @Test
    void plainPortTakesH2cWithPriorKnowledge() throws Exception {
        String answer = H2cPriorKnowledgeClient.get(edge.httpPort(), "api." + DOMAIN + ":" + edge.httpPort(), "/prior");

        assertThat(answer).isEqualTo("200 hello from the control plane");
        assertThat(controlPlane.last().uri()).isEqualTo("/prior");
        assertThat(controlPlane.last().header("x-forwarded-proto")).isEqualTo("http");
    }

    // ---- agent port --------------------------------------------------------------------------------------------

    /** The agent port of a running sandbox goes to the control plane, tagged with the sandbox id. */
    @Test
    void agentPortIsProxiedWithSandboxId() throws Exception {
        HttpResponse<String> response = get(http2, https("49983-" + RUNNING + "." + DOMAIN, "/health"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(controlPlane.last().headers().get("x-cove-sandbox-id")).containsExactly(RUNNING);
    }

    /**
     * E2B's header routing on a shared host: a machine host (what {@code E2B_SANDBOX_URL=http://localhost:<port>}
     * produces), E2B's {@code sandbox.<domain>}, and the bare domain ({@code E2B_SANDBOX_URL=https://<domain>}).
     */
    @ParameterizedTest
    @CsvSource({"localhost", "127.0.0.1", "sandbox." + DOMAIN, DOMAIN})
    void headerRoutingReachesTheAgent(String host) throws Exception {
        HttpResponse<String> response = get(http1, http(host, "/files?path=/tmp"),
                "E2b-Sandbox-Id", RUNNING, "E2b-Sandbox-Port", "49983");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(controlPlane.last().uri()).isEqualTo("/files?path=/tmp");
        assertThat(controlPlane.last().headers().get("x-cove-sandbox-id")).containsExactly(RUNNING);
    }

    /** Clients cannot forge the internal header: it is dropped on every route, and replaced on the agent port. */
    @Test
    void internalHeaderFromClientIsNotForwarded() throws Exception {
        get(http1, http("api." + DOMAIN, "/"), "X-Cove-Sandbox-Id", RUNNING, "X-Cove-Anything", "x");
        assertThat(controlPlane.last().headers()).doesNotContainKeys("x-cove-sandbox-id", "x-cove-anything");

        get(http1, http("49983-" + RUNNING + "." + DOMAIN, "/"), "X-Cove-Sandbox-Id", "someoneelse");
        assertThat(controlPlane.last().headers().get("x-cove-sandbox-id")).containsExactly(RUNNING);
    }

    /** The seam for sandbox ports: a dialer the runtime provides is used for running sandboxes' other ports. */
    @Test
    void sandboxPortsGoThroughTheirDialer(@TempDir Path otherDataDir) throws Exception {
        SandboxPortDialer intoSandbox = (route, port) -> new SocketDialer(controlPlane.address()); // stands in for netns
        try (EdgeServer withPorts = new EdgeServer(config(otherDataDir, controlPlane.address()).build(), directory, intoSandbox).start()) {
            HttpResponse<String> response = get(http1,
                    URI.create("http://3000-" + RUNNING + "." + DOMAIN + ":" + withPorts.httpPort() + "/app"));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(controlPlane.last().uri()).isEqualTo("/app");
            assertThat(controlPlane.last().headers()).doesNotContainKey("x-cove-sandbox-id");
            assertThat(get(http1, URI.create("http://3000-" + PAUSED + "." + DOMAIN + ":" + withPorts.httpPort() + "/"))
                    .statusCode()).isEqualTo(409);
        }
    }

    // ---- typed errors ------------------------------------------------------------------------------------------

    /** Every refusal has a status, a machine code and a sentence, as JSON by default. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "3000-nosuchsandbox,   404, sandbox_not_found",
            "3000-" + ENDED + ",   410, sandbox_ended",
            "3000-" + PAUSED + ",  409, sandbox_paused",
            "3000-" + RUNNING + ", 502, port_not_listening",
    })
    void sandboxRefusalsAreTypedJson(String label, int status, String code) throws Exception {
        String sandboxId = label.substring(label.indexOf('-') + 1);
        for (HttpClient client : new HttpClient[] {http1, http2}) {
            URI uri = client == http1 ? http(label + "." + DOMAIN, "/") : https(label + "." + DOMAIN, "/");
            HttpResponse<String> response = get(client, uri, "User-Agent", "curl/8.5.0");

            assertThat(response.statusCode()).isEqualTo(status);
            assertThat(response.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.path("sandboxId").asText()).isEqualTo(sandboxId);
            assertThat(body.path("port").asInt()).isEqualTo(3000);
            assertThat(body.path("code").asText()).isEqualTo(code);
            assertThat(body.path("message").asText()).isNotBlank().contains(sandboxId);
        }
        assertThat(controlPlane.last()).isNull();
    }

    /** An ended sandbox says when and why. */
    @Test
    void endedSandboxSaysWhenAndWhy() throws Exception {
        JsonNode body = JSON.readTree(get(http1, http("3000-" + ENDED + "." + DOMAIN, "/")).body());

        assertThat(body.path("endedAt").asText()).isEqualTo(ENDED_AT.toString());
        assertThat(body.path("reason").asText()).isEqualTo("timeout");
        assertThat(body.path("message").asText()).contains("timeout");
    }

    /** On the agent port, E2B's contract: 502 and the body the official SDK reads, for every sandbox not running. */
    @ParameterizedTest
    @CsvSource({"nosuchsandbox", ENDED, PAUSED})
    void agentPortOfSandboxNotRunningAnswersLikeE2b(String sandboxId) throws Exception {
        HttpResponse<String> response = get(http1, http("49983-" + sandboxId + "." + DOMAIN, "/health"));

        assertThat(response.statusCode()).isEqualTo(502);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("sandboxId").asText()).isEqualTo(sandboxId);
        assertThat(body.path("message").asText()).isEqualTo("The sandbox was not found");
        assertThat(body.path("code").isInt()).isTrue();
        assertThat(body.path("code").asInt()).isEqualTo(502);
        assertThat(controlPlane.last()).isNull();
    }

    /** A browser navigating to the URL gets a page, with the same status. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "3000-nosuchsandbox,     404, Sandbox Not Found",
            "3000-" + ENDED + ",     410, Sandbox Ended",
            "3000-" + PAUSED + ",    409, Sandbox Paused",
            "3000-" + RUNNING + ",   502, Port Not Reachable",
            "49983-" + ENDED + ",    502, Sandbox Not Found",
    })
    void browsersGetHtmlPages(String label, int status, String title) throws Exception {
        HttpResponse<String> response = get(http1, http(label + "." + DOMAIN, "/"),
                "User-Agent", BROWSER_UA, "Accept", "text/html,application/xhtml+xml,*/*;q=0.8", "Sec-Fetch-Mode", "navigate");

        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(response.body()).startsWith("<!doctype html>").contains("<title>" + title + "</title>");
    }

    /** A script in a browser (fetch, XHR) or a client asking for JSON gets JSON, whatever its User-Agent. */
    @ParameterizedTest
    @CsvSource({"Accept, application/json", "Sec-Fetch-Mode, cors", "X-Requested-With, XMLHttpRequest"})
    void scriptsInBrowsersGetJson(String header, String value) throws Exception {
        HttpResponse<String> response = get(http1, http("3000-nosuchsandbox." + DOMAIN, "/"),
                "User-Agent", BROWSER_UA, header, value);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
    }

    /** Requests that do not even name a target get E2B's plain-text 400s. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "www." + DOMAIN + "            |                  |         | Invalid host",
            "abc-" + RUNNING + "." + DOMAIN + " |              |         | Invalid sandbox port",
            "localhost                     | SBX_UPPER        | 49983   | Invalid sandbox ID",
            "localhost                     | " + RUNNING + "   |         | missing header",
            "localhost                     | " + RUNNING + "   | ssh     | Invalid sandbox port",
    })
    void badTargetsArePlainText400(String host, String idHeader, String portHeader, String message) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(http(host, "/"));
        if (idHeader != null) request.header("E2b-Sandbox-Id", idHeader);
        if (portHeader != null) request.header("E2b-Sandbox-Port", portHeader);

        HttpResponse<String> response = http1.send(request.build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
        assertThat(response.body()).isEqualTo(message + "\n");
    }

    /** Headers beyond the limit get 431, not a dropped connection. */
    @Test
    void oversizedHeadersGet431() throws Exception {
        HttpResponse<String> response = get(http1, http("api." + DOMAIN, "/"), "X-Big", "x".repeat(40 * 1024));

        assertThat(response.statusCode()).isEqualTo(431);
        assertThat(JSON.readTree(response.body()).path("code").asText()).isEqualTo("request_header_too_large");
    }

    // ---- HTTP/1.1 connection handling (raw sockets: the JDK client will not send these headers) ---------------

    /** Hop-by-hop headers (RFC 9110 §7.6.1) and client-sent X-Forwarded-* stop at the edge. */
    @Test
    void hopByHopHeadersAreDropped() throws Exception {
        try (RawClient client = new RawClient(edge.httpPort())) {
            client.send("GET /hop HTTP/1.1\r\nHost: api." + DOMAIN + "\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\n"
                    + "Keep-Alive: timeout=5\r\nTE: trailers\r\nUpgrade: websocket\r\nProxy-Connection: keep-alive\r\n"
                    + "X-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 OK");
        }
        FakeControlPlane.Seen seen = controlPlane.last();
        assertThat(seen.headers()).doesNotContainKeys("x-hop", "keep-alive", "te", "upgrade", "proxy-connection", "forwarded");
        assertThat(seen.header("x-forwarded-for")).isEqualTo("127.0.0.1");
    }

    /** Pipelined requests are answered in order over one client connection, which keeps one upstream connection. */
    @Test
    void pipelinedRequestsShareOneUpstreamConnection() throws Exception {
        try (RawClient client = new RawClient(edge.httpPort())) {
            client.send("GET /first HTTP/1.1\r\nHost: api." + DOMAIN + "\r\n\r\n"
                    + "GET /second HTTP/1.1\r\nHost: 3000-nosuchsandbox." + DOMAIN + "\r\n\r\n"
                    + "GET /third HTTP/1.1\r\nHost: api." + DOMAIN + "\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 OK").endsWith("hello from the control plane");
            int firstUpstreamPort = controlPlane.last().remotePort();
            assertThat(client.readResponse()).startsWith("HTTP/1.1 404 Not Found").contains("sandbox_not_found");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 OK");
            assertThat(controlPlane.last().uri()).isEqualTo("/third");
            assertThat(controlPlane.last().remotePort()).isEqualTo(firstUpstreamPort);
        }
    }

    /** {@code Connection: close} from the client: answered, then closed. */
    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (RawClient client = new RawClient(edge.httpPort())) {
            client.send("GET / HTTP/1.1\r\nHost: api." + DOMAIN + "\r\nConnection: close\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("connection: close");
            assertThat(client.atEof()).isTrue();
        }
    }

    // ---- failures and limits (their own edges) ----------------------------------------------------------------

    /** A control plane that is down is a typed 502, not a hung or dropped request. */
    @Test
    void controlPlaneDownIs502(@TempDir Path otherDataDir) throws Exception {
        InetSocketAddress nobody;
        try (ServerSocket reserved = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobody = (InetSocketAddress) reserved.getLocalSocketAddress();
        }
        try (EdgeServer down = new EdgeServer(config(otherDataDir, nobody).build(), directory).start()) {
            HttpResponse<String> response = get(http1,
                    URI.create("http://api." + DOMAIN + ":" + down.httpPort() + "/sandboxes"));

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(JSON.readTree(response.body()).path("code").asText()).isEqualTo("upstream_failed");
        }
    }

    /** Connections without traffic are closed after the idle timeout. */
    @Test
    void idleConnectionsAreClosed(@TempDir Path otherDataDir) throws Exception {
        EdgeConfig quick = config(otherDataDir, controlPlane.address()).idleTimeout(Duration.ofMillis(300)).build();
        try (EdgeServer idle = new EdgeServer(quick, directory).start();
             RawClient client = new RawClient(idle.httpPort())) {
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThat(client.atEof()).isTrue());
        }
    }

    /** A connection that keeps moving bytes outlives the idle timeout many times over; once quiet, it closes. */
    @Test
    void busyConnectionsOutliveTheIdleTimeout(@TempDir Path otherDataDir) throws Exception {
        EdgeConfig quick = config(otherDataDir, controlPlane.address()).idleTimeout(Duration.ofMillis(300)).build();
        try (EdgeServer idle = new EdgeServer(quick, directory).start();
             RawClient client = new RawClient(idle.httpPort())) {
            long start = System.nanoTime();
            for (int i = 0; i < 15; i++) { // 1.5 s of requests, 100 ms apart, on one connection
                client.send("GET /busy HTTP/1.1\r\nHost: api." + DOMAIN + "\r\n\r\n");
                assertThat(client.readResponse()).startsWith("HTTP/1.1 200 OK");
                Thread.sleep(100);
            }
            long quietSince = System.nanoTime();
            assertThat(client.atEof()).isTrue();
            long quietMillis = (System.nanoTime() - quietSince) / 1_000_000;
            assertThat((quietSince - start) / 1_000_000).isGreaterThan(1000);
            assertThat(quietMillis).isBetween(150L, 2000L); // one timeout (less the 100 ms already slept) to a few
        }
    }

    /** The CA survives a restart, so clients that trust it keep working; the server certificate is reused too. */
    @Test
    void caIsReusedAcrossRestarts(@TempDir Path otherDataDir) throws Exception {
        byte[] ca;
        byte[] serverCert;
        try (EdgeServer first = new EdgeServer(config(otherDataDir, controlPlane.address()).build(), directory).start()) {
            ca = Files.readAllBytes(first.caCertificate());
            serverCert = Files.readAllBytes(otherDataDir.resolve("tls/server.crt"));
        }
        try (EdgeServer second = new EdgeServer(config(otherDataDir, controlPlane.address()).build(), directory).start();
             HttpClient client = HttpClient.newBuilder().sslContext(trusting(otherDataDir.resolve("tls/ca.crt"))).build()) {
            assertThat(second.caCertificate()).isEqualTo(otherDataDir.resolve("tls/ca.crt"));
            assertThat(Files.readAllBytes(second.caCertificate())).isEqualTo(ca);
            assertThat(Files.readAllBytes(otherDataDir.resolve("tls/server.crt"))).isEqualTo(serverCert);
            HttpResponse<String> response = get(client, URI.create("https://api." + DOMAIN + ":" + second.httpsPort() + "/"));
            assertThat(response.statusCode()).isEqualTo(200);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** A deterministic byte stream of a given length, so sender and receiver can agree on a checksum. */
    static final class PatternStream extends InputStream {
        private final long size;
        private final AtomicLong progress;
        private long position;

        PatternStream(long size) { this(size, new AtomicLong()); }

        /** @param progress counts the bytes read so far */
        PatternStream(long size, AtomicLong progress) {
            this.size = size;
            this.progress = progress;
        }

        static byte at(long i) { return (byte) (i * 31 + (i >>> 11)); }

        static String crc(long size) {
            CRC32 crc = new CRC32();
            byte[] chunk = new byte[64 * 1024];
            for (long done = 0; done < size; ) {
                int n = (int) Math.min(chunk.length, size - done);
                for (int i = 0; i < n; i++) chunk[i] = at(done + i);
                crc.update(chunk, 0, n);
                done += n;
            }
            return Long.toHexString(crc.getValue());
        }

        @Override
        public int read() {
            if (position >= size) return -1;
            progress.incrementAndGet();
            return at(position++) & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= size) return -1;
            int n = (int) Math.min(len, size - position);
            for (int i = 0; i < n; i++) b[off + i] = at(position + i);
            position += n;
            progress.addAndGet(n);
            return n;
        }
    }

    /** HTTP/1.1 by hand, for what the JDK client refuses to send, and to read exactly what the edge sends. */
    static final class RawClient implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;

        RawClient(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
        }

        void send(String request) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        String readResponse() throws IOException {
            String head = readHead();
            int length = 0;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
            }
            return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
        }

        /** A response's head, up to and including its blank line (the body is left to read). */
        String readHead() throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) throw new IOException("connection closed after: " + head);
                head.append((char) c);
            }
            return head.toString();
        }

        String read(int n) throws IOException {
            return new String(in.readNBytes(n), StandardCharsets.ISO_8859_1);
        }

        private String readLine() throws IOException {
            String line = "";
            while (!line.endsWith("\r\n")) {
                int c = in.read();
                if (c < 0) throw new IOException("connection closed after: " + line);
                line += (char) c;
            }
            return line.substring(0, line.length() - 2);
        }

        /** A chunked body, checking its framing. */
        String readChunked() throws IOException {
            StringBuilder body = new StringBuilder();
            while (true) {
                int size = Integer.parseInt(readLine(), 16);
                if (size == 0) {
                    assertThat(readLine()).isEmpty();
                    return body.toString();
                }
                body.append(read(size));
                assertThat(readLine()).isEmpty();
            }
        }

        /** Everything until the edge closes the connection (a reset fails: the client would take the body as cut). */
        String readToEnd() throws IOException {
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            try {
                in.transferTo(all);
            } catch (java.net.SocketException reset) {
                throw new AssertionError("reset instead of closed after: " + all);
            }
            return all.toString(StandardCharsets.ISO_8859_1);
        }

        boolean atEof() throws IOException {
            try {
                return in.read() < 0;
            } catch (java.net.SocketException reset) {
                return true;
            }
        }

        @Override
        public void close() throws IOException { socket.close(); }
    }
}
