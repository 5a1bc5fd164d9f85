package dev.cove.api.http;

import dev.cove.api.testing.ApiTest;
import dev.cove.core.routing.RequestLimits;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control plane's HTTP/1.1 on the wire, over raw sockets as the edge speaks to it: every answer to HEAD comes
 * without a body (the next response on the connection stays readable), targets without a path get 400 (not 500), and
 * request heads up to the edge's limits are answered.
 */
class WireRulesTest extends ApiTest {
    private static final String HEALTH = "GET /health HTTP/1.1\r\nHost: api.cove.test\r\nConnection: close\r\n\r\n";

    @Test
    void headAnswersCarryNoBodySoTheNextResponseOnTheConnectionIsIntact() throws IOException {
        for (String head : new String[]{
                "HEAD /nonexistent HTTP/1.1\r\nHost: api.cove.test\r\n\r\n", // 404 of the catch-all
                "HEAD /sandboxes HTTP/1.1\r\nHost: api.cove.test\r\n\r\n", // 401: no API key
                "HEAD /volumes HTTP/1.1\r\nHost: api.cove.test\r\nX-API-Key: " + api.plane().apiKey() + "\r\n\r\n", // 501
                "HEAD /envs HTTP/1.1\r\nHost: api.cove.test\r\nX-Cove-Sandbox-Id: nosuchsandbox00000000\r\n\r\n", // agent
        }) {
            String answer = exchange(head + HEALTH, 2, true);
            int end = answer.indexOf("\r\n\r\n");
            assertThat(end).as(answer).isPositive();
            assertThat(answer.substring(0, end)).as(head).startsWith("HTTP/1.1 ").doesNotStartWith("HTTP/1.1 500");
            assertThat(answer.substring(end + 4)).as("what follows the HEAD answer to " + head)
                    .startsWith("HTTP/1.1 200 ").endsWith("Health check successful");
        }
    }

    @Test
    void targetsWithoutAPathAreRefusedWith400() throws IOException {
        for (String request : new String[]{
                "GET api.cove.test:80 HTTP/1.1\r\nHost: api.cove.test\r\nConnection: close\r\n\r\n",
                "CONNECT api.cove.test:443 HTTP/1.1\r\nHost: api.cove.test:443\r\nConnection: close\r\n\r\n",
                "CONNECT api.cove.test:443 HTTP/1.1\r\nHost: api.cove.test:443\r\nX-Cove-Sandbox-Id: nosuchsandbox00000000\r\n"
                        + "Connection: close\r\n\r\n",
        }) {
            assertThat(exchange(request)).as(request).startsWith("HTTP/1.1 400 ");
        }
    }

    @Test
    void requestHeadsUpToTheEdgesLimitsAreAnswered() throws IOException {
        String longPath = "/" + "a".repeat(RequestLimits.MAX_REQUEST_LINE - "GET / HTTP/1.1".length());
        assertThat(exchange("GET " + longPath + " HTTP/1.1\r\nHost: api.cove.test\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 404 ");
        String bigHeader = "X-Big: " + "b".repeat(RequestLimits.MAX_HEADER_SIZE - 100) + "\r\n";
        assertThat(exchange("GET /health HTTP/1.1\r\nHost: api.cove.test\r\n" + bigHeader
                + "X-Forwarded-Host: " + "h".repeat(8000) + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200 ");
    }

    /**
     * Sends {@code request} on a new connection and reads {@code answers} responses, framed by their Content-Length
     * (the first without a body when {@code firstIsHead}): what follows a body-less HEAD answer must be the next head.
     */
    private static String exchange(String request, int answers, boolean firstIsHead) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", api.plane().port()), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder read = new StringBuilder();
            for (int i = 0; i < answers; i++) {
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    int b = in.read();
                    if (b < 0) throw new AssertionError("connection closed after: " + read + head);
                    head.append((char) b);
                }
                read.append(head);
                if (i == 0 && firstIsHead) continue;
                java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)\r\ncontent-length: *(\\d+)").matcher(head);
                if (length.find()) read.append(new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.ISO_8859_1));
            }
            return read.toString();
        }
    }

    private static String exchange(String request) throws IOException {
        return exchange(request, 1, false);
    }
}
