package dev.cove.edge;

import dev.cove.edge.http.UpstreamCodec;
import dev.cove.edge.upstream.SandboxPortDialer;

import dev.cove.edge.EdgeProxyTest.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Responses relayed as bytes ({@link UpstreamCodec}), on the wire: a scripted upstream (a raw socket server on
 * loopback standing in for the control plane) answers with exact bytes, and a raw client reads exactly what the edge
 * sends, including what an HTTP client library would hide: framing, connection headers, and whether the connection
 * stays in step for the next request.
 */
class ResponseRelayTest {
    static final String HOST = "api." + EdgeProxyTest.DOMAIN;

    @TempDir static Path dataDir;
    static ScriptedUpstream upstream;
    static EdgeServer edge;

    @BeforeAll
    static void start() throws Exception {
        upstream = new ScriptedUpstream(Map.of(
                "/hello", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nhello",
                "/head", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1234\r\n\r\n",
                "/until-close", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nstreamed until close",
                "/chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                "/folded", "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n",
                "/upload", "HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\ncreated"));
        edge = new EdgeServer(EdgeProxyTest.config(dataDir, upstream.address()).build(), new MapSandboxDirectory(),
                SandboxPortDialer.UNAVAILABLE).start();
    }

    @AfterAll
    static void stop() throws IOException {
        edge.close();
        upstream.close();
    }

    /** The answer to HEAD has no body, though it names a length: the next response on the connection is read right. */
    @Test
    void headAnswersKeepTheConnectionInStep() throws Exception {
        try (RawClient client = new RawClient(edge.httpPort())) {
            client.send("HEAD /head HTTP/1.1\r\nHost: " + HOST + "\r\n\r\nGET /hello HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
            assertThat(client.readHead()).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 1234\r\n");
            String next = client.readHead();
            assertThat(next).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 5\r\n")
                    .doesNotContainIgnoringCase("keep-alive"); // the upstream's hop-by-hop headers stay on its hop
            assertThat(client.read(5)).isEqualTo("hello");
        }
    }

    /** The edge's own answers to HEAD (here: an unknown sandbox) carry no body either. */
    @Test
    void theEdgesOwnAnswersToHeadHaveNoBody() throws Exception {
        String unknown = "3000-nosuch0sandbox00000." + EdgeProxyTest.DOMAIN;
        try (RawClient client = new RawClient(edge.httpPort())) {
            client.send("HEAD / HTTP/1.1\r\nHost: " + unknown + "\r\n\r\nGET /hello HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
            assertThat(client.readHead()).startsWith("HTTP/1.1 404 Not Found\r\n").containsIgnoringCase("content-length:");
            assertThat(client.readHead()).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(client.read(5)).isEqualTo("hello");
        }
    }

    /** A body that ends when the server closes reaches an HTTP/1.1 client chunked, and its connection stays usable. */
    @Test
    void aBodyUntilCloseIsChunkedAndTheClientConnectionStays() throws Exception {
        try (RawClient client = new RawClient(edge.httpPort())) {
            client.send("GET /until-close HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
            assertThat(client.readHead()).contains("transfer-encoding: chunked\r\n").doesNotContainIgnoringCase("connection: close");
            assertThat(client.readChunked()).isEqualTo("streamed until close");
            client.send("GET /hello HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
            assertThat(client.readHead()).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(client.read(5)).isEqualTo("hello");
        }
    }

    /** HTTP/1.0 knows no chunks: a chunked body arrives as plain data, delimited by the close. */
    @Test
    void anHttp10ClientGetsAChunkedBodyPlainThenTheClose() throws Exception {
        try (RawClient client = new RawClient(edge.httpPort())) {
            client.send("GET /chunked HTTP/1.0\r\nHost: " + HOST + "\r\n\r\n");
            String head = client.readHead();
            assertThat(head).startsWith("HTTP/1.0 200 OK\r\n").doesNotContainIgnoringCase("transfer-encoding");
            assertThat(client.readToEnd()).isEqualTo("hello world");
        }
    }

    /** A response the edge refuses to relay is a typed 502 that says why, and the client connection goes on. */
    @Test
    void anInvalidResponseIsA502ThatSaysWhy() throws Exception {
        try (RawClient client = new RawClient(edge.httpPort())) {
            client.send("GET /folded HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
            String head = client.readHead();
            assertThat(head).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
            String body = client.read(contentLength(head));
            assertThat(body).contains("\"code\":\"upstream_invalid_response\"").contains("obsolete line folding")
                    .contains("control plane");
            client.send("GET /hello HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
            assertThat(client.readHead()).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(client.read(5)).isEqualTo("hello");
        }
    }

    /** Expect: 100-continue: the upstream's 100 reaches the client, which only then sends its body. */
    @Test
    void theUpstreams100ContinueReachesAWaitingClient() throws Exception {
        try (RawClient client = new RawClient(edge.httpPort())) {
            client.send("POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            assertThat(client.readHead()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            client.send("data");
            assertThat(client.readHead()).startsWith("HTTP/1.1 201 Created\r\n");
            assertThat(client.read(7)).isEqualTo("created");
            assertThat(upstream.lastBody).isEqualTo("data");
        }
    }

    /** A request framed both ways (a smuggling attempt or a broken client) is refused, and the connection closes. */
    @Test
    void aRequestWithBothFramingsIsRefusedAndTheConnectionCloses() throws Exception {
        try (RawClient client = new RawClient(edge.httpPort())) {
            client.send("POST /hello HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4\r\ndata\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");
            String head = client.readHead();
            assertThat(head).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("connection: close\r\n");
            assertThat(client.readToEnd()).contains("\"code\":\"bad_request\"").doesNotContain("hello"); // nothing behind it is read
        }
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) return Integer.parseInt(line.substring(15).trim());
        }
        throw new AssertionError("no Content-Length in " + head);
    }

    /**
     * Answers each request with the bytes scripted for its path; closes after a response with neither length nor
     * chunks (its body ends with the close). A request with {@code Expect: 100-continue} gets a 100 first.
     */
    static final class ScriptedUpstream implements AutoCloseable {
        private final ServerSocket server;
        private final Map<String, String> scripts;
        private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        private final Map<Socket, Boolean> open = new ConcurrentHashMap<>();
        volatile String lastBody;

        ScriptedUpstream(Map<String, String> scripts) throws IOException {
            this.scripts = scripts;
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            threads.execute(this::accept);
        }

        InetSocketAddress address() { return (InetSocketAddress) server.getLocalSocketAddress(); }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    open.put(socket, true);
                    threads.execute(() -> serve(socket));
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private void serve(Socket socket) {
            try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                while (true) {
                    String head = readHead(in);
                    if (head == null) return;
                    String[] requestLine = head.split(" ", 3);
                    if (requestLine.length < 3) return; // not a request (e.g. a chunked body this server does not read)
                    String path = requestLine[1];
                    String lower = head.toLowerCase();
                    if (lower.contains("\r\nexpect: 100-continue")) out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    int length = 0;
                    for (String line : lower.split("\r\n")) {
                        if (line.startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
                    }
                    if (length > 0) lastBody = new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
                    String response = scripts.getOrDefault(path, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                    out.write(response.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    String responseHead = response.substring(0, response.indexOf("\r\n\r\n")).toLowerCase();
                    if (!responseHead.contains("content-length:") && !responseHead.contains("transfer-encoding:")) return;
                }
            } catch (IOException gone) {
                // the edge closed the connection
            } finally {
                open.remove(socket);
            }
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) return null;
                head.append((char) c);
            }
            return head.toString();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : open.keySet()) socket.close();
            threads.close();
        }
    }
}
