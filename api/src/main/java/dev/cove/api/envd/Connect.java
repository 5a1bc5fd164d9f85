package dev.cove.api.envd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.Json;
import dev.cove.core.CoveException;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The Connect protocol (connectrpc.com/docs/protocol) as E2B's SDKs use it, JSON codec: unary calls
 * ({@code application/json}, errors as {@code {"code","message"}} with the mapped HTTP status) and server streams
 * ({@code application/connect+json}: 5-byte envelopes {@code [flags][uint32 BE length]}, then one end-stream
 * envelope, flag 0x02, carrying {@code {}} or {@code {"error":{...}}}).
 */
public final class Connect {
    static final String JSON = "application/json";
    static final String CONNECT_JSON = "application/connect+json";
    static final HeaderName TIMEOUT_MS = HeaderNames.create("Connect-Timeout-Ms");
    static final HeaderName KEEPALIVE = HeaderNames.create("Keepalive-Ping-Interval");
    private static final int MAX_MESSAGE = 16 << 20;
    private static final int END_STREAM = 0x02;

    /** Connect error codes and their HTTP statuses. */
    private static final Map<String, Integer> STATUS = Map.ofEntries(
            Map.entry("canceled", 499), Map.entry("unknown", 500), Map.entry("invalid_argument", 400),
            Map.entry("deadline_exceeded", 504), Map.entry("not_found", 404), Map.entry("already_exists", 409),
            Map.entry("permission_denied", 403), Map.entry("resource_exhausted", 429),
            Map.entry("failed_precondition", 400), Map.entry("aborted", 409), Map.entry("out_of_range", 400),
            Map.entry("unimplemented", 501), Map.entry("internal", 500), Map.entry("unavailable", 503),
            Map.entry("data_loss", 500), Map.entry("unauthenticated", 401));

    private Connect() {}

    /** The Connect code of an error: its own code when that is one, else from its HTTP status. */
    static String code(CoveException e) {
        if (STATUS.containsKey(e.code())) return e.code();
        return switch (e.status()) {
            case 400 -> "invalid_argument";
            case 401 -> "unauthenticated";
            case 403 -> "permission_denied";
            case 404 -> "not_found";
            case 409 -> "already_exists";
            case 412 -> "failed_precondition";
            case 429, 507 -> "resource_exhausted";
            case 499 -> "canceled";
            case 501 -> "unimplemented";
            case 502, 503 -> "unavailable";
            case 504 -> "deadline_exceeded";
            default -> "internal";
        };
    }

    static ObjectNode errorBody(CoveException e) {
        ObjectNode body = Json.object();
        body.put("code", code(e));
        body.put("message", e.getMessage());
        return body;
    }

    public static CoveException error(String code, String message) {
        return new CoveException(STATUS.getOrDefault(code, 500), code, message);
    }

    // ------------------------------------------------------------------ unary

    static <T> T readUnary(ServerRequest req, Class<T> type) {
        String ct = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        if (!ct.toLowerCase().startsWith(JSON))
            throw new CoveException(415, "unsupported_media_type", "Cove's agent API speaks Connect with the JSON codec "
                    + "(Content-Type: application/json); got '" + ct + "'");
        return EnvdJson.read(readAll(req.content().inputStream(), MAX_MESSAGE), type);
    }

    static void writeUnary(ServerResponse res, Object message) {
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.send(EnvdJson.write(message));
    }

    static void writeUnaryError(ServerResponse res, CoveException e) {
        if (e.status() == 415) {
            res.status(415);
            res.header("Accept-Post", JSON);
            res.send();
            return;
        }
        res.status(Status.create(STATUS.getOrDefault(code(e), 500)));
        res.header(HeaderNames.CONTENT_TYPE, JSON);
        res.send(Json.bytes(errorBody(e)));
    }

    // ------------------------------------------------------------------ server streams

    /** The single request message of a server-stream call. */
    static <T> T readStreamRequest(ServerRequest req, Class<T> type) {
        String ct = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        if (!ct.toLowerCase().startsWith(CONNECT_JSON))
            throw new CoveException(415, "unsupported_media_type", "streaming calls need Content-Type: "
                    + CONNECT_JSON + "; got '" + ct + "'");
        byte[] body = readAll(req.content().inputStream(), MAX_MESSAGE + 5);
        if (body.length < 5) throw error("invalid_argument", "the request has no message envelope");
        int flags = body[0] & 0xff;
        long len = ((body[1] & 0xffL) << 24) | ((body[2] & 0xff) << 16) | ((body[3] & 0xff) << 8) | (body[4] & 0xff);
        if ((flags & 0x01) != 0) throw error("unimplemented", "compressed messages are not supported");
        if (len > body.length - 5) throw error("invalid_argument", "the message envelope is truncated");
        byte[] json = new byte[(int) len];
        System.arraycopy(body, 5, json, 0, (int) len);
        return EnvdJson.read(json, type);
    }

    /** A server stream's response: messages, then exactly one end-stream envelope. */
    public static final class Stream {
        private final ServerResponse res;
        private OutputStream out;
        private boolean ended;

        Stream(ServerResponse res) { this.res = res; }

        private OutputStream out() {
            if (out == null) {
                res.status(Status.OK_200);
                res.header(HeaderNames.CONTENT_TYPE, CONNECT_JSON);
                out = res.outputStream();
            }
            return out;
        }

        /** Sends one message and flushes it; throws {@link IOException} when the client is gone. */
        public synchronized void send(Object message) throws IOException {
            if (ended) throw new IOException("stream already ended");
            envelope(0, EnvdJson.write(message));
        }

        /** Ends the stream, successfully when {@code error} is null. Never throws. */
        public synchronized void end(CoveException error) {
            if (ended) return;
            ended = true;
            try {
                byte[] payload = error == null ? "{}".getBytes()
                        : Json.bytes(Json.object().set("error", errorBody(error)));
                envelope(END_STREAM, payload);
                out.close();
            } catch (IOException | UncheckedIOException | IllegalStateException gone) {
                // the client left before the end: nothing to tell it
            }
        }

        private void envelope(int flags, byte[] payload) throws IOException {
            byte[] frame = new byte[5 + payload.length];
            frame[0] = (byte) flags;
            int n = payload.length;
            frame[1] = (byte) (n >>> 24);
            frame[2] = (byte) (n >>> 16);
            frame[3] = (byte) (n >>> 8);
            frame[4] = (byte) n;
            System.arraycopy(payload, 0, frame, 5, n);
            try {
                OutputStream o = out();
                o.write(frame);
                o.flush();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            } catch (RuntimeException e) {
                throw new IOException("stream closed: " + e.getMessage(), e);
            }
        }
    }

    // ------------------------------------------------------------------ headers

    /** Connect-Timeout-Ms in milliseconds; 0 when absent (no limit). */
    static long timeoutMillis(ServerRequest req) {
        String v = req.headers().first(TIMEOUT_MS).orElse(null);
        if (v == null || v.isBlank()) return 0;
        try {
            return Math.max(0, Long.parseLong(v.strip()));
        } catch (NumberFormatException e) {
            throw error("invalid_argument", "invalid Connect-Timeout-Ms '" + v + "'");
        }
    }

    /** Keepalive-Ping-Interval in seconds (E2B's envd default: 90). */
    static long keepaliveMillis(ServerRequest req) {
        String v = req.headers().first(KEEPALIVE).orElse(null);
        if (v == null || v.isBlank()) return 90_000;
        try {
            long s = Long.parseLong(v.strip());
            return s <= 0 ? 90_000 : s * 1000;
        } catch (NumberFormatException e) {
            return 90_000;
        }
    }

    static byte[] readAll(InputStream in, int max) {
        try (in) {
            byte[] b = in.readNBytes(max + 1);
            if (b.length > max) throw error("resource_exhausted", "the message is larger than " + max + " bytes");
            return b;
        } catch (IOException e) {
            throw error("invalid_argument", "cannot read the request: " + e.getMessage());
        }
    }
}
