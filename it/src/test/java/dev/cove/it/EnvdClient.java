package dev.cove.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small Connect client (JSON codec) for the agent API, written from the protocol, not from Cove's server code:
 * unary calls, server streams (5-byte envelopes, end-stream frame) and the plain-HTTP endpoints.
 * {@code sandboxId} non-null adds {@code X-Cove-Sandbox-Id} (talking to the control plane directly, as the edge does).
 */
public final class EnvdClient {
    public static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String base;
    private final String sandboxId;
    private final Map<String, String> headers = new LinkedHashMap<>();

    public EnvdClient(HttpClient http, String base, String sandboxId) {
        this.http = http;
        this.base = base;
        this.sandboxId = sandboxId;
    }

    public EnvdClient header(String name, String value) {
        if (value == null) headers.remove(name);
        else headers.put(name, value);
        return this;
    }

    public String base() { return base; }

    /** A Connect error as the client sees it. */
    public static final class ConnectError extends RuntimeException {
        public final int httpStatus;
        public final String code;

        public ConnectError(int httpStatus, String code, String message) {
            super(code + ": " + message + " (HTTP " + httpStatus + ")");
            this.httpStatus = httpStatus;
            this.code = code;
        }
    }

    public HttpRequest.Builder request(String pathAndQuery, String user) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofMinutes(5));
        if (sandboxId != null) b.header("X-Cove-Sandbox-Id", sandboxId);
        if (user != null) b.header("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString((user + ":").getBytes(StandardCharsets.UTF_8)));
        headers.forEach(b::header);
        return b;
    }

    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ unary

    public JsonNode unary(String method, Object message, String user) {
        String body = message instanceof String s ? s : write(message);
        HttpResponse<String> r = send(request("/" + method, user)
                .header("Content-Type", "application/json").header("Connect-Protocol-Version", "1")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = read(r.body());
        if (r.statusCode() != 200) {
            throw new ConnectError(r.statusCode(), json.path("code").asText(String.valueOf(r.statusCode())),
                    json.path("message").asText(r.body()));
        }
        return json;
    }

    // ------------------------------------------------------------------ streams

    /** An open server stream. */
    public final class Stream implements AutoCloseable {
        public final HttpResponse<InputStream> response;
        private final DataInputStream in;
        /** The end-stream frame's JSON once read. */
        public JsonNode end;

        Stream(HttpResponse<InputStream> response) {
            this.response = response;
            this.in = new DataInputStream(response.body());
        }

        /** The next message, or null after the end-stream frame (then {@link #end} is set). */
        public JsonNode next() {
            if (end != null) return null;
            try {
                int flags = in.readUnsignedByte();
                int len = in.readInt();
                byte[] payload = in.readNBytes(len);
                if (payload.length != len) throw new EOFException("truncated envelope");
                JsonNode json = JSON.readTree(payload);
                if ((flags & 0x02) != 0) {
                    end = json;
                    return null;
                }
                return json;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Throws the end-stream error, if any. */
        public void check() {
            if (end != null && end.has("error"))
                throw new ConnectError(200, end.path("error").path("code").asText(), end.path("error").path("message").asText());
        }

        @Override
        public void close() {
            try {
                response.body().close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    public Stream stream(String method, Object message, String user, Map<String, String> extra) {
        byte[] json = (message instanceof String s ? s : write(message)).getBytes(StandardCharsets.UTF_8);
        byte[] envelope = new byte[5 + json.length];
        envelope[1] = (byte) (json.length >>> 24);
        envelope[2] = (byte) (json.length >>> 16);
        envelope[3] = (byte) (json.length >>> 8);
        envelope[4] = (byte) json.length;
        System.arraycopy(json, 0, envelope, 5, json.length);
        HttpRequest.Builder b = request("/" + method, user)
                .header("Content-Type", "application/connect+json").header("Connect-Protocol-Version", "1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(envelope));
        extra.forEach(b::header);
        HttpResponse<InputStream> r = send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            try (InputStream body = r.body()) {
                String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
                JsonNode j = read(text);
                throw new ConnectError(r.statusCode(), j.path("code").asText(String.valueOf(r.statusCode())),
                        j.path("message").asText(text));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new Stream(r);
    }

    // ------------------------------------------------------------------ processes

    /** What a finished command produced. */
    public record Result(int pid, byte[] stdout, byte[] stderr, byte[] pty, int exitCode, boolean exited,
                         String status, List<JsonNode> events) {
        public String out() { return new String(stdout, StandardCharsets.UTF_8); }
        public String err() { return new String(stderr, StandardCharsets.UTF_8); }
        public String ptyText() { return new String(pty, StandardCharsets.UTF_8); }
    }

    public static ObjectNode startRequest(String command, Map<String, String> envs, String cwd) {
        ObjectNode req = JSON.createObjectNode();
        ObjectNode p = req.putObject("process");
        p.put("cmd", "/bin/bash");
        p.putArray("args").add("-l").add("-c").add(command);
        if (envs != null) envs.forEach(p.putObject("envs")::put);
        if (cwd != null) p.put("cwd", cwd);
        req.put("stdin", false);
        return req;
    }

    /** SDK-style {@code commands.run}: bash -l -c, collects everything until the end event. */
    public Result run(String command, String user) {
        return collect(stream("process.Process/Start", startRequest(command, null, null), user, Map.of()));
    }

    public Result collect(Stream s) {
        try (s) {
            List<JsonNode> events = new ArrayList<>();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            ByteArrayOutputStream pty = new ByteArrayOutputStream();
            int pid = -1;
            JsonNode endEvent = null;
            JsonNode m;
            while ((m = s.next()) != null) {
                JsonNode ev = m.path("event");
                events.add(ev);
                if (ev.has("start")) pid = ev.path("start").path("pid").asInt();
                if (ev.has("data")) {
                    JsonNode d = ev.path("data");
                    if (d.has("stdout")) out.writeBytes(Base64.getDecoder().decode(d.path("stdout").asText()));
                    if (d.has("stderr")) err.writeBytes(Base64.getDecoder().decode(d.path("stderr").asText()));
                    if (d.has("pty")) pty.writeBytes(Base64.getDecoder().decode(d.path("pty").asText()));
                }
                if (ev.has("end")) endEvent = ev.path("end");
            }
            s.check();
            if (endEvent == null) throw new IllegalStateException("Process exited without a result");
            return new Result(pid, out.toByteArray(), err.toByteArray(), pty.toByteArray(),
                    endEvent.path("exitCode").asInt(0), endEvent.path("exited").asBoolean(false),
                    endEvent.path("status").asText(), events);
        }
    }

    public static ObjectNode selector(int pid) {
        ObjectNode o = JSON.createObjectNode();
        o.putObject("process").put("pid", pid);
        return o;
    }

    // ------------------------------------------------------------------ helpers

    public static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode read(String s) {
        try {
            return s == null || s.isBlank() ? JSON.createObjectNode() : JSON.readTree(s);
        } catch (IOException e) {
            return JSON.createObjectNode().put("message", s);
        }
    }

    public static String path(String p) { return "{\"path\":" + quote(p) + "}"; }

    public static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
