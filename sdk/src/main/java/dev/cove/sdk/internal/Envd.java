package dev.cove.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.errors.CoveException;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * The sandbox agent API (E2B's envd) of one sandbox: Connect RPC with the JSON codec ({@code process.Process},
 * {@code filesystem.Filesystem}), {@code /files} and {@code /health}, at {@code https://49983-<id>.<domain>} with
 * E2B's headers ({@code E2b-Sandbox-Id}, {@code E2b-Sandbox-Port}, {@code X-Access-Token}).
 */
public final class Envd {
    public static final int PORT = 49983;
    /** E2B's SDK default keepalive request for streams, in seconds. */
    static final String KEEPALIVE_SECONDS = "50";
    private static final int MAX_MESSAGE = 64 << 20;

    private final Transport transport;
    private final String sandboxId;
    private final URI base;
    private final String accessToken;

    public Envd(Transport transport, String sandboxId, String domain, String accessToken) {
        this.transport = transport;
        this.sandboxId = sandboxId;
        this.accessToken = accessToken;
        this.base = portBase(transport, sandboxId, domain, PORT);
    }

    /**
     * Where {@code port} of a sandbox is reached: {@code <scheme>://<port>-<id>.<domain>}, or the configured sandbox
     * URL (then E2B's {@code E2b-Sandbox-Id}/{@code E2b-Sandbox-Port} headers route the request).
     */
    public static URI portBase(Transport transport, String sandboxId, String domain, int port) {
        URI override = transport.config().sandboxUrl();
        return override != null ? override
                : URI.create(scheme(transport, domain) + "://" + port + "-" + sandboxId + "." + domain);
    }

    /** https, unless the API itself is plain HTTP under the same domain (a server run without TLS). */
    private static String scheme(Transport t, String domain) {
        URI api = t.config().apiUrl();
        String host = domain.contains(":") ? domain.substring(0, domain.lastIndexOf(':')) : domain;
        if ("http".equalsIgnoreCase(api.getScheme()) && api.getHost() != null && api.getHost().endsWith(host)) return "http";
        return "https";
    }

    public URI base() { return base; }

    public String accessToken() { return accessToken; }

    public Transport transport() { return transport; }

    public HttpRequest.Builder request(String pathAndQuery, String user) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .header("User-Agent", Transport.USER_AGENT)
                .header("E2b-Sandbox-Id", sandboxId)
                .header("E2b-Sandbox-Port", Integer.toString(PORT));
        if (accessToken != null) b.header("X-Access-Token", accessToken);
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":").getBytes(StandardCharsets.UTF_8)));
        }
        return b;
    }

    /** {@code GET /health}: the HTTP status (204 while the sandbox runs, 502 once it does not). */
    public int health() {
        HttpRequest req = request("/health", null).timeout(transport.config().requestTimeout()).GET().build();
        return transport.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** A unary Connect call, e.g. {@code unary("filesystem.Filesystem/Stat", {"path": ...}, user)}. */
    public JsonNode unary(String method, JsonNode message, String user) {
        HttpRequest req = request("/" + method, user)
                .timeout(transport.config().requestTimeout())
                .header("Content-Type", "application/json")
                .header("Connect-Protocol-Version", "1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.bytes(message)))
                .build();
        HttpResponse<byte[]> r = transport.send(req, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) throw Errors.fromHttp(r.statusCode(), r.headers(), r.body());
        return Json.parse(r.body());
    }

    /**
     * A server-streaming Connect call. {@code timeout} becomes {@code Connect-Timeout-Ms} (for a process, its
     * lifetime); null or zero sends none (no limit). The request timeout bounds only the wait for the headers.
     */
    public MessageStream stream(String method, JsonNode message, String user, Duration timeout) {
        byte[] payload = Json.bytes(message);
        ByteBuffer envelope = ByteBuffer.allocate(5 + payload.length);
        envelope.put((byte) 0).putInt(payload.length).put(payload);
        HttpRequest.Builder b = request("/" + method, user)
                .timeout(transport.config().requestTimeout())
                .header("Content-Type", "application/connect+json")
                .header("Connect-Protocol-Version", "1")
                .header("Keepalive-Ping-Interval", KEEPALIVE_SECONDS)
                .POST(HttpRequest.BodyPublishers.ofByteArray(envelope.array()));
        if (timeout != null && !timeout.isZero()) b.header("Connect-Timeout-Ms", Long.toString(timeout.toMillis()));
        HttpResponse<InputStream> r = transport.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) throw Errors.fromHttp(r.statusCode(), r.headers(), Transport.drain(r.body()));
        return new MessageStream(r.body(), base);
    }

    /** URL of {@code /files} with {@code path} and {@code username} (when given) as query parameters. */
    public String filesUrl(String path, String user) {
        StringBuilder q = new StringBuilder(base.toString()).append("/files?");
        if (user != null) q.append("username=").append(enc(user)).append('&');
        q.append("path=").append(enc(path));
        return q.toString();
    }

    public static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"); }

    /**
     * The messages of a Connect server stream: 5-byte envelopes {@code [flags][uint32 BE length]}, ending with an
     * end-stream envelope (flag 0x02) that carries {@code {}} or {@code {"error": {...}}}.
     */
    public static final class MessageStream implements Closeable {
        private final InputStream in;
        private final URI base;
        private boolean ended;

        MessageStream(InputStream in, URI base) {
            this.in = in;
            this.base = base;
        }

        /** The next message, or null once the stream ended well; an error end becomes its typed exception. */
        public JsonNode next() {
            if (ended) return null;
            try {
                int flags = in.read();
                if (flags < 0) {
                    ended = true;
                    throw new CoveException(0, "unavailable", "the agent API stream ended without an end message "
                            + "(the sandbox may have ended or the connection broke)");
                }
                byte[] len = in.readNBytes(4);
                if (len.length < 4) throw new EOFException("truncated envelope");
                int length = ByteBuffer.wrap(len).getInt();
                if (length < 0 || length > MAX_MESSAGE) throw new IOException("envelope of " + length + " bytes");
                byte[] payload = in.readNBytes(length);
                if (payload.length < length) throw new EOFException("truncated message");
                JsonNode message = Json.parse(payload);
                if ((flags & 0x02) != 0) {
                    ended = true;
                    close();
                    JsonNode error = message.get("error");
                    if (error != null && error.isObject()) {
                        String code = Json.text(error, "code");
                        throw Errors.fromConnect(code == null ? "unknown" : code, Json.text(error, "message"), 200);
                    }
                    return null;
                }
                return message;
            } catch (IOException e) {
                ended = true;
                close();
                throw Transport.transportFailure(base, e);
            }
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                // closing a cancelled stream
            }
        }
    }
}
