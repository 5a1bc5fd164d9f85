package dev.cove.edge;

import dev.cove.edge.upstream.SandboxPortDialer;

import dev.cove.core.routing.RequestLimits;
import dev.cove.core.routing.SandboxRoute;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the edge does with request lines it must not pass on as they are (HTTP versions other than 1.0/1.1, authority
 * form, CONNECT, absolute form, over-long lines), and with an upstream that sends a body behind its answer to HEAD.
 * Raw sockets on both sides: a real HTTP/1.1 server stands in for the control plane.
 */
class RequestFormTest {
    static final String API = "api." + EdgeProxyTest.DOMAIN;
    static final String SANDBOX = "3000-" + EdgeProxyTest.RUNNING + "." + EdgeProxyTest.DOMAIN;

    @TempDir static Path dataDir;
    static SloppyServer controlPlane;
    static MapSandboxDirectory directory = new MapSandboxDirectory();
    static EdgeServer edge;

    @BeforeAll
    static void start() throws Exception {
        controlPlane = new SloppyServer();
        edge = new EdgeServer(EdgeProxyTest.config(dataDir, controlPlane.address()).build(), directory,
                SandboxPortDialer.UNAVAILABLE).start();
        directory.put(new SandboxRoute(EdgeProxyTest.RUNNING, SandboxRoute.State.RUNNING, "/run/netns/covetest-x", null, null));
    }

    @AfterAll
    static void stop() throws Exception {
        edge.close();
        controlPlane.close();
    }

    @BeforeEach
    void reset() {
        controlPlane.heads.clear();
        controlPlane.delayHeadBody = false;
        controlPlane.headBody = true;
        controlPlane.closeAfterEach = false;
    }

    static EdgeProxyTest.RawClient client() throws IOException { return new EdgeProxyTest.RawClient(edge.httpPort()); }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/9.9", "HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "HTTP/3.0"})
    void versionsOtherThan10And11Get505AndTheConnectionCloses(String version) throws Exception {
        for (String host : new String[]{API, SANDBOX}) {
            try (EdgeProxyTest.RawClient client = client()) {
                client.send("GET /health " + version + "\r\nHost: " + host + "\r\n\r\n");
                String response = client.readResponse();
                assertThat(response).as(version + " to " + host).startsWith("HTTP/1.1 505 HTTP Version Not Supported\r\n")
                        .contains("X-Cove-Error: http_version_not_supported").contains("\"code\":\"http_version_not_supported\"");
                assertThat(client.atEof()).isTrue();
            }
        }
        assertThat(controlPlane.heads).isEmpty();
    }

    @Test
    void authorityFormAndConnectAre400AndNeverReachTheControlPlane() throws Exception {
        for (String request : new String[]{
                "GET " + API + ":8080 HTTP/1.1\r\nHost: " + API + "\r\n\r\n",
                "CONNECT " + API + ":443 HTTP/1.1\r\nHost: " + API + ":443\r\n\r\n",
                "CONNECT example.com:443 HTTP/1.1\r\nHost: 49983-" + EdgeProxyTest.RUNNING + "." + EdgeProxyTest.DOMAIN + "\r\n\r\n",
                "GET * HTTP/1.1\r\nHost: " + API + "\r\n\r\n",
                "GET ftp://" + API + "/x HTTP/1.1\r\nHost: " + API + "\r\n\r\n",
                "GET http://user@" + API + "/x HTTP/1.1\r\nHost: " + API + "\r\n\r\n",
        }) {
            try (EdgeProxyTest.RawClient client = client()) {
                client.send(request);
                assertThat(client.readResponse()).as(request).startsWith("HTTP/1.1 400 Bad Request\r\n")
                        .contains("X-Cove-Error: bad_request");
            }
        }
        assertThat(controlPlane.heads).isEmpty();
    }

    @Test
    void absoluteFormIsRoutedByItsAuthorityAndForwardedInOriginForm() throws Exception {
        try (EdgeProxyTest.RawClient client = client()) {
            // The target's authority replaces Host (RFC 9112 §3.2.2): this goes to the control plane, not the sandbox.
            client.send("GET http://" + API + "/health?x=1 HTTP/1.1\r\nHost: " + SANDBOX + "\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
            client.send("OPTIONS * HTTP/1.1\r\nHost: " + API + "\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 OK\r\n");
        }
        // the authority arrives as the one Host line, spelled as clients spell it
        assertThat(controlPlane.heads.getFirst()).startsWith("GET /health?x=1 HTTP/1.1\r\n").contains("\r\nHost: " + API + "\r\n")
                .doesNotContain("\r\nhost: ");
        assertThat(controlPlane.heads.get(1)).startsWith("OPTIONS * HTTP/1.1\r\n");
    }

    /** An HTTP/2 request's :authority reaches the HTTP/1.1 upstream as {@code Host}, not Netty's {@code host}. */
    @Test
    void http2AuthorityArrivesAsCanonicalHost() throws Exception {
        H2cPriorKnowledgeClient.get(edge.httpPort(), API + ":" + edge.httpPort(), "/h2-host");
        String head = controlPlane.heads.stream().filter(h -> h.startsWith("GET /h2-host ")).findFirst().orElseThrow();
        assertThat(head).contains("\r\nHost: " + API + ":" + edge.httpPort() + "\r\n").doesNotContain("\r\nhost: ");
    }

    @Test
    void overLongRequestLineGets414InHttp11() throws Exception {
        try (EdgeProxyTest.RawClient client = client()) {
            client.send("GET /" + "a".repeat(RequestLimits.MAX_REQUEST_LINE) + " HTTP/1.1\r\nHost: " + API + "\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 414 ").contains("X-Cove-Error: uri_too_long");
        }
        try (EdgeProxyTest.RawClient client = client()) { // just under the limit: the control plane answers
            client.send("GET /" + "a".repeat(RequestLimits.MAX_REQUEST_LINE - 20) + " HTTP/1.1\r\nHost: " + API + "\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 OK\r\n");
        }
    }

    @Test
    void aBodyBehindAHeadAnswerDoesNotBreakTheNextResponse() throws Exception {
        for (boolean delayed : new boolean[]{false, true}) {
            controlPlane.delayHeadBody = delayed; // the stray body in the same read as the head, or later
            int connectionsBefore = controlPlane.connections.get();
            try (EdgeProxyTest.RawClient client = client()) {
                // Pipelined: the GET is dispatched the moment the HEAD answer is complete.
                client.send("HEAD /nonexistent HTTP/1.1\r\nHost: " + API + "\r\n\r\n"
                        + "GET /health HTTP/1.1\r\nHost: " + API + "\r\n\r\n");
                assertThat(client.readHead()).startsWith("HTTP/1.1 404 Not Found\r\n").contains("Content-Length: 24");
                assertThat(client.readResponse()).as("delayed " + delayed).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
                // And one after the other.
                client.send("HEAD /nonexistent HTTP/1.1\r\nHost: " + API + "\r\n\r\n");
                assertThat(client.readHead()).startsWith("HTTP/1.1 404 Not Found\r\n");
                Thread.sleep(100); // the stray body has arrived
                client.send("GET /health HTTP/1.1\r\nHost: " + API + "\r\n\r\n");
                assertThat(client.readResponse()).as("delayed " + delayed).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
            }
            // A connection that answered HEAD is not reused: one for each HEAD, one for the last GET.
            assertThat(controlPlane.connections.get() - connectionsBefore).isEqualTo(3);
        }
    }

    /** Also from a server that closes after every answer (as Python's http.server does), which the edge sees at once. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aCorrectHeadAnswerIsRelayedAtOnceAndTheNextRequestGetsANewConnection(boolean closeAfterEach) throws Exception {
        controlPlane.headBody = false;
        controlPlane.closeAfterEach = closeAfterEach;
        try (EdgeProxyTest.RawClient client = client()) {
            for (int i = 0; i < 3; i++) {
                client.send("HEAD /nonexistent HTTP/1.1\r\nHost: " + API + "\r\n\r\n");
                assertThat(client.readHead()).startsWith("HTTP/1.1 404 Not Found\r\n");
            }
            client.send("GET /health HTTP/1.1\r\nHost: " + API + "\r\n\r\n");
            assertThat(client.readResponse()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok");
        }
    }

    /**
     * HTTP/1.1 on loopback, keep-alive, as a careless server writes it: every answer to HEAD carries the body it would
     * have for GET (404 with a 24-byte JSON body), right behind the head or a moment later. Everything else: 200 "ok".
     */
    static final class SloppyServer implements AutoCloseable {
        final List<String> heads = new CopyOnWriteArrayList<>();
        final AtomicInteger connections = new AtomicInteger();
        volatile boolean delayHeadBody;
        volatile boolean headBody = true;
        volatile boolean closeAfterEach;
        private final ServerSocket listener;
        private final Thread acceptor;

        SloppyServer() throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = Thread.ofVirtual().start(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket s = listener.accept();
                        connections.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        InetSocketAddress address() { return (InetSocketAddress) listener.getLocalSocketAddress(); }

        private void serve(Socket socket) {
            try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                for (String head; (head = readHead(in)) != null; ) {
                    heads.add(head);
                    if (head.startsWith("HEAD ")) {
                        out.write("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                        if (delayHeadBody) {
                            out.flush();
                            Thread.sleep(30);
                        }
                        if (headBody) out.write("{\"code\":404,\"message\":\"\"}".substring(0, 24).getBytes(StandardCharsets.US_ASCII));
                    } else {
                        out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.flush();
                    if (closeAfterEach) return;
                }
            } catch (IOException | InterruptedException gone) {
                // the edge closed its side
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            for (int b; (b = in.read()) >= 0; ) {
                head.write(b);
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == 4) return head.toString(StandardCharsets.ISO_8859_1);
            }
            return null;
        }

        @Override
        public void close() throws Exception {
            listener.close();
            acceptor.join(5000);
        }
    }
}
