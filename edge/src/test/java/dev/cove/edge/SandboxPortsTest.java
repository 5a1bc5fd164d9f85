package dev.cove.edge;

import dev.cove.edge.upstream.NetnsDialer;
import dev.cove.edge.upstream.SandboxPortDialer;
import dev.cove.edge.upstream.SocketDialer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.core.routing.PortAccessPolicy;
import dev.cove.core.routing.SandboxRoute;
import dev.cove.core.routing.SandboxRoute.State;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Ports inside a sandbox, reached through the edge: real servers in a network namespace this test creates
 * ({@code covetest-edge-*}, loopback only, so nothing but a dial from inside reaches them), a real edge with the
 * {@link NetnsDialer}, and real clients (JDK HttpClient over HTTP/1.1 and HTTP/2 over TLS, JDK WebSocket, raw sockets).
 */
class SandboxPortsTest {
    static final String DOMAIN = EdgeProxyTest.DOMAIN;
    static final String SBX = "sbx0ports0test000001";
    static final String MASKED = "sbx0ports0masked0001";
    static final String SECURED = "sbx0ports0secured001";
    static final String TOKEN = "t0k3n-for-traffic";
    static final String HIDDEN_ADDRESS = "10.211.254.7";
    static final int GRPC_PORT = 50051;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dataDir;
    static TestNamespace ns;
    static MapSandboxDirectory directory = new MapSandboxDirectory();
    static EdgeServer edge;
    static HttpClient http1;
    static HttpClient http2;

    @BeforeAll
    static void start() throws Exception {
        ns = new TestNamespace();
        // An address only the sandbox has (on its loopback device), for a server bound to it alone.
        ns.exec("ip", "addr", "add", HIDDEN_ADDRESS + "/32", "dev", "lo");
        ns.startServer("0.0.0.0", 3000);
        ns.startServer("127.0.0.1", 3001);
        ns.startServer("::1", 3002);
        ns.startServer("::", 3003);
        ns.startServer(HIDDEN_ADDRESS, 3004);
        ns.startServer("127.0.0.1", 5173, "--allowed-host", "localhost:5173"); // a Vite-style Host check
        ns.startH2cServer("127.0.0.1", GRPC_PORT); // HTTP/2 only, as a gRPC server is
        for (int port : new int[] {3000, 3001, 3002, 3003, 3004, 5173, GRPC_PORT}) ns.awaitListening(port);

        directory.put(new SandboxRoute(SBX, State.RUNNING, ns.path.toString(), null, null));
        directory.put(new SandboxRoute(MASKED, State.RUNNING, ns.path.toString(), null, null, "localhost:${PORT}", null, false));
        directory.put(new SandboxRoute(SECURED, State.RUNNING, ns.path.toString(), null, null, null, PortAccessPolicy.e2bToken(TOKEN), false));
        edge = new EdgeServer(EdgeProxyTest.config(dataDir, new InetSocketAddress(InetAddress.getLoopbackAddress(), 9))
                .metricsPort(0).build(), directory).start();
        var tls = EdgeProxyTest.trusting(edge.caCertificate());
        http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).build();
        http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(tls).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (http1 != null) http1.close();
        if (http2 != null) http2.close();
        if (edge != null) edge.close();
        if (ns != null) ns.close();
        assertThat(TestNamespace.run("ip", "netns", "list")).doesNotContain(ns.name);
    }

    static URI http(String sandbox, int port, String path) {
        return URI.create("http://" + port + "-" + sandbox + "." + DOMAIN + ":" + edge.httpPort() + path);
    }

    static URI https(String sandbox, int port, String path) {
        return URI.create("https://" + port + "-" + sandbox + "." + DOMAIN + ":" + edge.httpsPort() + path);
    }

    static HttpResponse<String> get(HttpClient client, URI uri, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) b.headers(headers);
        return client.send(b.build(), BodyHandlers.ofString());
    }

    // ---- reaching servers ------------------------------------------------------------------------------------

    /** Whatever loopback or wildcard address a server binds to, the edge reaches it; over HTTP/1.1 and HTTP/2 over TLS. */
    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"0.0.0.0, 3000", "127.0.0.1, 3001", "::1, 3002", "::, 3003", HIDDEN_ADDRESS + ", 3004"})
    void reachesServersBoundToAnyAddress(String bind, int port) throws Exception {
        for (URI uri : List.of(http(SBX, port, "/hello?x=1"), https(SBX, port, "/hello?x=1"))) {
            for (HttpClient client : List.of(http1, http2)) {
                HttpResponse<String> response = get(client, uri);
                assertThat(response.statusCode()).as(uri + " " + response.body()).isEqualTo(200);
                JsonNode body = JSON.readTree(response.body());
                assertThat(body.path("bind").asText()).isEqualTo(bind);
                assertThat(body.path("path").asText()).isEqualTo("/hello?x=1");
                if (uri.getScheme().equals("https") && client == http2) assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
            }
        }
    }

    /** X-Forwarded-* describe the client's request; the public Host passes through; Cove's credentials never do. */
    @Test
    void forwardsClientFactsButNotPlatformCredentials() throws Exception {
        HttpResponse<String> response = get(http1, https(SBX, 3000, "/"),
                "Cookie", "app=1; cove_link=secret; theme=dark", "X-API-Key", "e2b_secret", "e2b-traffic-access-token", "x");
        JsonNode body = JSON.readTree(response.body());
        String publicHost = "3000-" + SBX + "." + DOMAIN + ":" + edge.httpsPort();
        assertThat(body.path("host").asText()).isEqualTo(publicHost);
        assertThat(body.path("xForwardedHost").asText()).isEqualTo(publicHost);
        assertThat(body.path("xForwardedProto").asText()).isEqualTo("https");
        assertThat(body.path("xForwardedFor").asText()).isEqualTo("127.0.0.1");
        assertThat(body.path("xForwardedPort").asText()).isEqualTo(String.valueOf(edge.httpsPort()));
        assertThat(body.path("cookie").asText()).isEqualTo("app=1; theme=dark");
        assertThat(body.path("apiKey").isNull()).isTrue();
        assertThat(body.path("trafficToken").isNull()).isTrue();
    }

    /** Server-sent events arrive one by one as the server sends them, not buffered to the end. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"/sse, data: event", "/slow, chunk "})
    void streamsArriveIncrementally(String path, String marker) throws Exception {
        for (HttpClient client : List.of(http1, http2)) {
            URI uri = client == http1 ? http(SBX, 3000, path) : https(SBX, 3000, path);
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            List<Long> arrivals = new ArrayList<>();
            long start = System.nanoTime();
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (line.startsWith(marker)) arrivals.add((System.nanoTime() - start) / 1_000_000);
                }
            }
            assertThat(arrivals).as(client.version() + " " + path).hasSize(5);
            // The server sleeps 300 ms between parts: buffering would make them arrive together at the end.
            assertThat(arrivals.getLast() - arrivals.getFirst()).as("spread of arrivals " + arrivals).isGreaterThan(900);
        }
    }

    /** A large upload streams through (the edge holds a socket read at a time, not the body). */
    @Test
    void uploadsStreamThrough() throws Exception {
        int size = 64 * 1024 * 1024;
        byte[] block = new byte[64 * 1024];
        for (int i = 0; i < block.length; i++) block[i] = (byte) (i * 31);
        CRC32 crc = new CRC32();
        for (int i = 0; i < size / block.length; i++) crc.update(block);
        for (HttpClient client : List.of(http1, http2)) {
            URI uri = client == http1 ? http(SBX, 3000, "/upload") : https(SBX, 3000, "/upload");
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                    .POST(BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(() -> new InputStream() {
                        long sent;
                        @Override public int read() { throw new UnsupportedOperationException(); }
                        @Override public int read(byte[] b, int off, int len) {
                            if (sent >= size) return -1;
                            int n = (int) Math.min(len, Math.min(block.length, size - sent));
                            System.arraycopy(block, (int) (sent % block.length), b, off, n);
                            sent += n;
                            return n;
                        }
                    }), size)).build(), BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.path("length").asLong()).isEqualTo(size);
            assertThat(body.path("crc32").asLong()).isEqualTo(crc.getValue());
        }
    }

    /** A client that stops reading stops the server too: the edge does not buffer the response meanwhile. */
    @Test
    void slowReaderHoldsBackTheServer() throws Exception {
        long sentBefore = edge.metrics().bytesSent.sum();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), edge.httpPort())) {
            s.setReceiveBufferSize(64 * 1024);
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET /big?mb=512 HTTP/1.1\r\nHost: 3000-" + SBX + "." + DOMAIN + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long read = 0;
            while (read < 1 << 20) read += in.read(buf); // the stream flows...
            Thread.sleep(2000);                            // ...then the client stops reading
            long relayed = edge.metrics().bytesSent.sum() - sentBefore;
            // Socket buffers on the way hold a few MiB; without backpressure the edge would have taken all 512 MiB.
            assertThat(relayed).as("bytes the edge relayed while the client did not read").isLessThan(48L << 20);
            long total = read;
            for (int n; total < (512L << 20) + 100 && (n = in.read(buf)) > 0; ) total += n; // and it resumes
            assertThat(total).isGreaterThan(512L << 20);
        }
    }

    // ---- WebSocket ---------------------------------------------------------------------------------------------

    /** WebSocket upgrades pass through as raw bytes both ways, over plain HTTP and TLS. */
    @ParameterizedTest
    @CsvSource({"ws", "wss"})
    void webSocketEchoes(String scheme) throws Exception {
        int port = scheme.equals("ws") ? edge.httpPort() : edge.httpsPort();
        URI uri = URI.create(scheme + "://3000-" + SBX + "." + DOMAIN + ":" + port + "/ws");
        try (Echo echo = Echo.open(http1, uri, null)) {
            for (int i = 0; i < 20; i++) assertThat(echo.roundTrip("message " + i)).isEqualTo("message " + i);
            String big = "0123456789".repeat(20_000);
            String reply = echo.roundTrip(big);
            assertThat(reply.length()).isEqualTo(big.length());
            assertThat(reply.equals(big)).as("200 kB message echoed intact").isTrue();
        }
    }

    /** Bytes a server sends in the same segment as its 101 reach the client, after the 101, intact. */
    @Test
    void bytesRightBehindThe101AreRelayed() throws Exception {
        try (var server = new java.net.ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().start(() -> {
                try (Socket c = server.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
                    for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) { /* the upgrade request */ }
                    OutputStream out = c.getOutputStream();
                    out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: raw\r\nConnection: Upgrade\r\n\r\nhello\n")
                            .getBytes(StandardCharsets.ISO_8859_1)); // one write: 101 and the first bytes together
                    out.flush();
                    String ping = in.readLine();
                    out.write(("pong:" + ping + "\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    c.getInputStream().read();
                } catch (Exception ignored) { }
            });
            SandboxPortDialer direct = (route, port) -> new SocketDialer(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
            try (EdgeServer other = new EdgeServer(EdgeProxyTest.config(dataDir.resolve("f"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)).build(),
                    directory, direct).start();
                 Socket s = new Socket(InetAddress.getLoopbackAddress(), other.httpPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET /raw HTTP/1.1\r\nHost: 3000-" + SBX + "." + DOMAIN + "\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                assertThat(in.readLine()).isEqualTo("HTTP/1.1 101 Switching Protocols");
                List<String> head = new ArrayList<>();
                for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) head.add(line.toLowerCase(java.util.Locale.ROOT));
                assertThat(head).contains("upgrade: raw", "connection: upgrade");
                assertThat(in.readLine()).isEqualTo("hello");
                s.getOutputStream().write("ping\n".getBytes(StandardCharsets.ISO_8859_1));
                assertThat(in.readLine()).isEqualTo("pong:ping");
            }
        }
    }

    /** A WebSocket client that reads the edge's text replies. */
    static final class Echo implements WebSocket.Listener, AutoCloseable {
        final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        WebSocket socket;

        static Echo open(HttpClient client, URI uri, String header) throws Exception {
            Echo echo = new Echo();
            WebSocket.Builder b = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
            if (header != null) b.header(header.substring(0, header.indexOf(':')), header.substring(header.indexOf(':') + 1).strip());
            echo.socket = b.buildAsync(uri, echo).get(20, TimeUnit.SECONDS);
            return echo;
        }

        String roundTrip(String text) throws Exception {
            socket.sendText(text, true).get(10, TimeUnit.SECONDS);
            String reply = received.poll(10, TimeUnit.SECONDS);
            if (reply == null) throw new AssertionError("no echo");
            return reply;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                received.add(partial.toString());
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public void close() throws Exception {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        }
    }

    // ---- maskRequestHost --------------------------------------------------------------------------------------

    /** A dev server that checks Host (Vite) works with maskRequestHost, for page loads and its WebSocket alike. */
    @Test
    void maskRequestHostSatisfiesHostCheckingServers() throws Exception {
        HttpResponse<String> blocked = get(http1, http(SBX, 5173, "/"));
        assertThat(blocked.statusCode()).isEqualTo(403);
        assertThat(blocked.body()).contains("Blocked request");

        for (HttpClient client : List.of(http1, http2)) {
            HttpResponse<String> page = get(client, client == http1 ? http(MASKED, 5173, "/") : https(MASKED, 5173, "/"));
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(page.body());
            assertThat(body.path("host").asText()).isEqualTo("localhost:5173");
            assertThat(body.path("xForwardedHost").asText()).startsWith("5173-" + MASKED + "." + DOMAIN);
            // the header as it came off the wire: one "Host: localhost:5173", named as clients name it
            List<String> hostLines = new ArrayList<>();
            body.path("headers").properties().forEach(h -> {
                if (h.getKey().equalsIgnoreCase("host")) hostLines.add(h.getKey() + ": " + h.getValue().asText());
            });
            assertThat(hostLines).as(client.version().toString()).containsExactly("Host: localhost:5173");
        }
        URI ws = URI.create("ws://5173-" + MASKED + "." + DOMAIN + ":" + edge.httpPort() + "/ws");
        try (Echo echo = Echo.open(http1, ws, null)) {
            assertThat(echo.roundTrip("hmr")).isEqualTo("hmr");
        }
        URI unmasked = URI.create("ws://5173-" + SBX + "." + DOMAIN + ":" + edge.httpPort() + "/ws");
        assertThatThrownBy(() -> Echo.open(http1, unmasked, null)).hasStackTraceContaining("403");
    }

    // ---- typed failures ----------------------------------------------------------------------------------------

    /** Nothing on the port: 502 port_not_listening naming the ports that do listen, as JSON and as a page. */
    @Test
    void nothingListeningSaysWhatIsOpen() throws Exception {
        for (HttpClient client : List.of(http1, http2)) {
            HttpResponse<String> response = get(client, client == http1 ? http(SBX, 4000, "/") : https(SBX, 4000, "/"));
            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.headers().firstValue("content-type")).hasValue("application/json; charset=utf-8");
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.path("code").asText()).isEqualTo("port_not_listening");
            assertThat(body.path("sandboxId").asText()).isEqualTo(SBX);
            assertThat(body.path("port").asInt()).isEqualTo(4000);
            assertThat(body.path("message").asText()).contains("Nothing listens on port 4000").contains("3000, 3001, 3002, 3003, 3004, 5173, 50051");
            List<Integer> listening = new ArrayList<>();
            body.path("listening").forEach(n -> listening.add(n.asInt()));
            assertThat(listening).containsExactly(3000, 3001, 3002, 3003, 3004, 5173, GRPC_PORT);
        }
        HttpResponse<String> page = get(http1, http(SBX, 4000, "/"), "User-Agent", EdgeProxyTest.BROWSER_UA, "Accept", "text/html");
        assertThat(page.statusCode()).isEqualTo(502);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<title>Port Not Reachable</title>").contains("Nothing listens on port 4000").contains("5173");
    }

    /** A server that drops the connection before answering: 502 upstream_failed; after the head: the client sees a cut. */
    @Test
    void serverDyingMidResponseCutsTheResponse() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), edge.httpPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /cut HTTP/1.1\r\nHost: 3000-" + SBX + "." + DOMAIN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            // The head and "partial" went out; then the edge closes instead of pretending the body is complete.
            assertThat(reply).startsWith("HTTP/1.1 200").contains("Content-Length: 1000");
            assertThat(reply.substring(reply.indexOf("\r\n\r\n") + 4)).isEqualTo("partial");
        }
    }

    // ---- gRPC: HTTP/2 end to end -----------------------------------------------------------------------------

    static final Map<String, String> GRPC_HEADERS = Map.of("content-type", "application/grpc+proto", "te", "trailers");

    /**
     * A gRPC call (HTTP/2 client, application/grpc) reaches an HTTP/2-only server over h2c, and its trailers come
     * back: over h2c with prior knowledge (as gRPC clients speak to a plain port) and over TLS.
     */
    @Test
    void grpcGoesOverHttp2EndToEndWithItsTrailers() throws Exception {
        String host = GRPC_PORT + "-" + SBX + "." + DOMAIN;
        byte[] message = "\0\0\0\0\5hello".getBytes(StandardCharsets.ISO_8859_1); // a gRPC frame: flag, length, payload
        H2cPriorKnowledgeClient.Response response = H2cPriorKnowledgeClient.exchange(edge.httpPort(), host + ":" + edge.httpPort(),
                io.netty.handler.codec.http.HttpMethod.POST, "/echo.Echo/Say", GRPC_HEADERS, message);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(new String(message, StandardCharsets.ISO_8859_1));
        assertThat(response.trailers().get("grpc-status")).isEqualTo("0");
        assertThat(response.trailers().get("grpc-message")).isEqualTo("echoed 10 bytes");
        assertThat(response.headers().get("x-saw-path")).isEqualTo("/echo.Echo/Say");
        assertThat(response.headers().get("x-saw-te")).as("gRPC servers require TE: trailers").isEqualTo("trailers");
        assertThat(response.headers().get("x-saw-content-type")).isEqualTo("application/grpc+proto");
        assertThat(response.headers().get("x-saw-authority")).isEqualTo(host + ":" + edge.httpPort());
        assertThat(response.headers().get("x-saw-forwarded-for")).isEqualTo("127.0.0.1");

        HttpResponse<String> overTls = http2.send(HttpRequest.newBuilder(https(SBX, GRPC_PORT, "/echo.Echo/Say"))
                .timeout(Duration.ofSeconds(20)).header("content-type", "application/grpc").header("te", "trailers")
                .POST(BodyPublishers.ofByteArray(message)).build(), BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
        assertThat(overTls.statusCode()).as(overTls.body()).isEqualTo(200);
        assertThat(overTls.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(overTls.body()).isEqualTo(new String(message, StandardCharsets.ISO_8859_1));
        assertThat(overTls.headers().firstValue("x-saw-te")).hasValue("trailers");
    }

    /** A server-streaming call's messages arrive as the server sends them, not buffered to the end of the call. */
    @Test
    void grpcStreamsArriveIncrementally() throws Exception {
        HttpResponse<InputStream> response = http2.send(HttpRequest.newBuilder(https(SBX, GRPC_PORT, "/ticks.Ticks/Stream"))
                .timeout(Duration.ofSeconds(20)).header("content-type", "application/grpc").header("te", "trailers")
                .POST(BodyPublishers.ofByteArray(new byte[5])).build(), BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        List<Long> arrivals = new ArrayList<>();
        long start = System.nanoTime();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.startsWith("tick ")) arrivals.add((System.nanoTime() - start) / 1_000_000);
            }
        }
        assertThat(arrivals).hasSize(5);
        assertThat(arrivals.getLast() - arrivals.getFirst()).as("spread of arrivals " + arrivals).isGreaterThan(900);
    }

    /**
     * Calls a client multiplexes on one connection share one connection to the port, each on its own stream (not a
     * connection per call, which would leave a closed socket in the sandbox per call); another client gets its own.
     */
    @Test
    void grpcCallsOfOneClientConnectionShareOneUpstreamConnection() throws Exception {
        String authority = GRPC_PORT + "-" + SBX + "." + DOMAIN;
        List<H2cPriorKnowledgeClient.Response> calls = H2cPriorKnowledgeClient.exchanges(edge.httpPort(), authority,
                io.netty.handler.codec.http.HttpMethod.POST, "/echo.Echo/Say", GRPC_HEADERS, new byte[5], 3);
        assertThat(calls).allSatisfy(call -> assertThat(call.trailers().get("grpc-status")).isEqualTo("0"));
        assertThat(calls.stream().map(call -> call.headers().get("x-saw-connection")).distinct()).hasSize(1);
        H2cPriorKnowledgeClient.Response other = H2cPriorKnowledgeClient.exchange(edge.httpPort(), authority,
                io.netty.handler.codec.http.HttpMethod.POST, "/echo.Echo/Say", GRPC_HEADERS, new byte[5]);
        assertThat(other.headers().get("x-saw-connection")).isNotEqualTo(calls.get(0).headers().get("x-saw-connection"));
    }

    /** After the server says GOAWAY on the shared connection (shutting down, reloading), the next call gets a new one. */
    @Test
    void grpcCallAfterGoawayGetsANewConnection() throws Exception {
        List<H2cPriorKnowledgeClient.Response> calls = H2cPriorKnowledgeClient.exchanges(edge.httpPort(),
                GRPC_PORT + "-" + SBX + "." + DOMAIN, io.netty.handler.codec.http.HttpMethod.POST,
                List.of("/goaway.Go/Away", "/echo.Echo/Say"), GRPC_HEADERS, new byte[5], 300);
        assertThat(calls.get(0).status()).isEqualTo(200);
        assertThat(calls.get(1).status()).as(calls.get(1).body()).isEqualTo(200);
        assertThat(calls.get(1).trailers().get("grpc-status")).isEqualTo("0");
    }

    /** A gRPC call to a port whose server speaks only HTTP/1.1 is told so, not handed a bare 502. */
    @Test
    void grpcToAnHttp1OnlyServerSaysTheServerDoesNotSpeakHttp2() throws Exception {
        H2cPriorKnowledgeClient.Response response = H2cPriorKnowledgeClient.exchange(edge.httpPort(),
                "3000-" + SBX + "." + DOMAIN, io.netty.handler.codec.http.HttpMethod.POST, "/echo.Echo/Say", GRPC_HEADERS,
                new byte[5]);
        assertThat(response.status()).isEqualTo(502);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("code").asText()).isEqualTo("upstream_not_http2");
        assertThat(body.path("message").asText()).contains("port 3000").contains("did not answer in HTTP/2").contains("h2c");
    }

    /** Other HTTP/2 requests, gRPC-Web among them, still reach the port over HTTP/1.1, which every dev server speaks. */
    @Test
    void grpcWebAndOtherHttp2RequestsReachHttp1Servers() throws Exception {
        H2cPriorKnowledgeClient.Response response = H2cPriorKnowledgeClient.exchange(edge.httpPort(),
                "3000-" + SBX + "." + DOMAIN, io.netty.handler.codec.http.HttpMethod.GET, "/web", Map.of("content-type", "application/grpc-web+proto"),
                new byte[0]);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).path("path").asText()).isEqualTo("/web");
    }

    /** Before any response byte, a dying upstream is a typed 502. */
    @Test
    void upstreamClosingBeforeAnsweringIs502() throws Exception {
        try (var server = new java.net.ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            // A one-off "sandbox": dial the host's loopback, where this socket accepts and hangs up at once.
            Thread.ofPlatform().daemon().start(() -> {
                try (Socket c = server.accept()) { c.getInputStream().read(); } catch (Exception ignored) { }
            });
            SandboxPortDialer direct = (route, port) -> new SocketDialer(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
            try (EdgeServer other = new EdgeServer(EdgeProxyTest.config(dataDir.resolve("b"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)).build(),
                    directory, direct).start()) {
                HttpResponse<String> response = get(http1, URI.create("http://3000-" + SBX + "." + DOMAIN + ":" + other.httpPort() + "/"));
                assertThat(response.statusCode()).isEqualTo(502);
                JsonNode body = JSON.readTree(response.body());
                assertThat(body.path("code").asText()).isEqualTo("upstream_failed");
                assertThat(body.path("message").asText()).contains("port 3000").contains("closed the connection");
            }
        }
    }

    /** allowPublicTraffic=false: E2B's token header is required and checked, and not passed on. */
    @Test
    void trafficAccessTokenIsEnforced() throws Exception {
        HttpResponse<String> missing = get(http1, http(SECURED, 3000, "/"));
        assertThat(missing.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(missing.body()).path("code").asText()).isEqualTo("token_required");
        HttpResponse<String> wrong = get(http1, http(SECURED, 3000, "/"), "e2b-traffic-access-token", "nope");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(wrong.body()).path("code").asText()).isEqualTo("token_invalid");
        HttpResponse<String> ok = get(http1, http(SECURED, 3000, "/"), "e2b-traffic-access-token", TOKEN);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ok.body()).path("trafficToken").isNull()).isTrue();
    }

    // ---- limits ------------------------------------------------------------------------------------------------

    /** Connections into one sandbox beyond the limit get 429 with Retry-After, as do connections beyond the total. */
    @Test
    void connectionLimitsAnswer429() throws Exception {
        EdgeConfig perSandbox = EdgeProxyTest.config(dataDir.resolve("c"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 9))
                .maxConnectionsPerSandbox(1).build();
        try (EdgeServer limited = new EdgeServer(perSandbox, directory).start()) {
            URI ws = URI.create("ws://3000-" + SBX + "." + DOMAIN + ":" + limited.httpPort() + "/ws");
            try (Echo held = Echo.open(http1, ws, null)) {
                assertThat(held.roundTrip("hold")).isEqualTo("hold");
                HttpResponse<String> refused = get(http1, URI.create("http://3000-" + SBX + "." + DOMAIN + ":" + limited.httpPort() + "/"));
                assertThat(refused.statusCode()).isEqualTo(429);
                assertThat(refused.headers().firstValue("retry-after")).hasValue("1");
                assertThat(JSON.readTree(refused.body()).path("code").asText()).isEqualTo("rate_limited");
            }
        }
        EdgeConfig total = EdgeProxyTest.config(dataDir.resolve("d"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 9))
                .maxConnections(1).build();
        try (EdgeServer limited = new EdgeServer(total, directory).start();
             Socket first = new Socket(InetAddress.getLoopbackAddress(), limited.httpPort())) {
            // The first connection must be counted before the second arrives: the two land on different event
            // loops, so without this exchange either one may take the single slot.
            first.setSoTimeout(10_000);
            first.getOutputStream().write(("GET / HTTP/1.1\r\nHost: 3000-" + SBX + "." + DOMAIN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.ISO_8859_1)).readLine())
                    .startsWith("HTTP/1.1 200");
            try (Socket second = new Socket(InetAddress.getLoopbackAddress(), limited.httpPort())) {
                second.setSoTimeout(10_000);
                second.getOutputStream().write(("GET / HTTP/1.1\r\nHost: 3000-" + SBX + "." + DOMAIN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String reply = new String(second.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(reply).startsWith("HTTP/1.1 429").containsIgnoringCase("retry-after: 1").contains("rate_limited");
            }
        }
    }

    /**
     * Closing the edge closes its connections, so clients see the end at once instead of waiting on a socket nobody
     * serves (io_uring closes a channel only once its outstanding reads are cancelled, which a loop shut down at once
     * never saw: the socket stayed open, in the test JVM and for its clients).
     */
    @Test
    void closingTheEdgeClosesItsConnectionsAndListeners() throws Exception {
        EdgeConfig config = EdgeProxyTest.config(dataDir.resolve("k"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)).build();
        EdgeServer closing = new EdgeServer(config, directory).start();
        int port = closing.httpPort();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: 3000-" + SBX + "." + DOMAIN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            assertThat(in.readLine()).startsWith("HTTP/1.1 200");
            int length = 0;
            for (String line; !(line = in.readLine()).isEmpty(); ) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
            }
            assertThat(in.skip(length)).isEqualTo(length); // the keep-alive connection is idle now, with its upstream
            closing.close();
            assertThat(in.read()).as("the client sees the connection end").isEqualTo(-1);
        }
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close()).isInstanceOf(java.net.ConnectException.class);
    }

    /** A header that trickles in (slowloris) gets 408 and the connection closes; an idle keep-alive does not. */
    @Test
    void slowHeadersGet408() throws Exception {
        EdgeConfig quick = EdgeProxyTest.config(dataDir.resolve("e"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 9))
                .headerTimeout(Duration.ofMillis(600)).build();
        try (EdgeServer edge = new EdgeServer(quick, directory).start();
             Socket s = new Socket(InetAddress.getLoopbackAddress(), edge.httpPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            String request = "GET / HTTP/1.1\r\nHost: 3000-" + SBX + "." + DOMAIN + "\r\n\r\n";
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            assertThat(in.readLine()).startsWith("HTTP/1.1 200");
            Thread.sleep(1000); // idle between requests is not slowloris
            out.write("GET / HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            StringBuilder rest = new StringBuilder();
            for (String line; (line = in.readLine()) != null; ) rest.append(line).append('\n');
            assertThat(rest.toString()).contains("HTTP/1.1 408").contains("request_timeout");
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5000);
        }
    }

    /**
     * An HTTP/2 connection by prior knowledge (what gRPC clients open on a plain port) outlives the header timeout: it
     * has no HTTP/1.1 header to wait for. A timer started by its first read closed it, streams and all, once it ran.
     */
    @Test
    void h2cConnectionsOutliveTheHeaderTimeout() throws Exception {
        EdgeConfig quick = EdgeProxyTest.config(dataDir.resolve("h"), new InetSocketAddress(InetAddress.getLoopbackAddress(), 9))
                .headerTimeout(Duration.ofMillis(300)).build();
        try (EdgeServer edge = new EdgeServer(quick, directory).start()) {
            List<H2cPriorKnowledgeClient.Response> calls = H2cPriorKnowledgeClient.exchanges(edge.httpPort(),
                    GRPC_PORT + "-" + SBX + "." + DOMAIN, io.netty.handler.codec.http.HttpMethod.POST,
                    List.of("/echo.Echo/Say", "/echo.Echo/Say"), GRPC_HEADERS, new byte[5], 900);
            assertThat(calls).allSatisfy(call -> assertThat(call.trailers().get("grpc-status")).isEqualTo("0"));
            assertThat(calls.get(1).headers().get("x-saw-connection")).isEqualTo(calls.get(0).headers().get("x-saw-connection"));
        }
    }

    // ---- observability -----------------------------------------------------------------------------------------

    /** The operator port serves Prometheus text with requests, bytes, connections, WebSockets and dial times. */
    @Test
    void metricsAreServed() throws Exception {
        get(http1, http(SBX, 3000, "/"));
        get(http1, http(SBX, 4000, "/"));
        HttpResponse<String> metrics = get(http1, URI.create("http://127.0.0.1:" + edge.metricsPort() + "/metrics"));
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain; version=0.0.4");
        assertThat(metrics.body())
                .containsPattern("cove_edge_requests_total\\{target=\"sandbox\",code=\"200\"} [1-9]")
                .containsPattern("cove_edge_answers_total\\{code=\"port_not_listening\"} [1-9]")
                .containsPattern("cove_edge_upstream_dial_seconds_count [1-9]")
                .contains("cove_edge_connections_open ", "cove_edge_websockets_open ", "cove_edge_sent_bytes_total ");
        assertThat(get(http1, URI.create("http://127.0.0.1:" + edge.metricsPort() + "/other")).statusCode()).isEqualTo(404);
    }

    /** Requests in flight never wait for each other's dials: many concurrent clients all get through. */
    @Test
    void concurrentClientsAllGetThrough() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            HttpClient client = i % 2 == 0 ? http1 : http2;
            URI uri = i % 2 == 0 ? http(SBX, 3000 + i % 4, "/" + i) : https(SBX, 3000 + i % 4, "/" + i);
            all.add(client.sendAsync(HttpRequest.newBuilder(uri).build(), BodyHandlers.ofString()));
        }
        for (var f : all) assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static ByteBuffer buffer(String s) { return ByteBuffer.wrap(utf8(s)); }
}
