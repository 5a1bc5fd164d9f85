package dev.cove.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Round trips through the sandbox agent API of a running Cove server, as an SDK makes them (Connect JSON through
 * the edge, header-routed on the plain HTTP port): {@code echo hi} via {@code process.Process/Start} (request sent
 * → end-stream frame read), a 1 MB upload ({@code POST /files}) and a 1 MB download ({@code GET /files}).
 * Prints p50/p99 of each. Usage: {@code AgentRoundtripBench <edge base url> <api base url> <api key> [count]}.
 * Traffic goes to the given (loopback) URLs only; the run is bounded by {@code count}.
 */
public final class AgentRoundtripBench {
    private AgentRoundtripBench() {}

    public static void main(String[] args) throws Exception {
        URI edge = URI.create(args[0]);
        URI api = URI.create(args[1]);
        String key = args[2];
        int count = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        int warmup = Math.min(20, count);
        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(api.resolve("/v2/sandboxes"))
                .header("X-API-KEY", key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"templateID\":\"base\",\"timeout\":600,\"metadata\":{\"bench\":\"agent\"}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 201) throw new IllegalStateException("create failed: " + created.statusCode() + " " + created.body());
        JsonNode sandbox = json.readTree(created.body());
        String id = sandbox.get("sandboxID").asText();
        String token = sandbox.path("envdAccessToken").asText(null);
        try {
            byte[] start = envelope("{\"process\":{\"cmd\":\"/bin/bash\",\"args\":[\"-l\",\"-c\",\"echo hi\"]},\"stdin\":false}");
            byte[] mb = new byte[1 << 20];
            Arrays.fill(mb, (byte) 'b');
            List<Double> echo = new ArrayList<>();
            List<Double> upload = new ArrayList<>();
            List<Double> download = new ArrayList<>();
            for (int i = 0; i < warmup + count; i++) {
                long t0 = System.nanoTime();
                HttpResponse<InputStream> r = http.send(agent(edge, id, token, "/process.Process/Start")
                        .header("Content-Type", "application/connect+json").header("Connect-Protocol-Version", "1")
                        .header("Keepalive-Ping-Interval", "50").header("Connect-Timeout-Ms", "60000")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(start)).build(), HttpResponse.BodyHandlers.ofInputStream());
                if (r.statusCode() != 200)
                    throw new IllegalStateException("Start failed: " + r.statusCode() + " " + new String(r.body().readAllBytes()));
                String out = readUntilEnd(r.body(), json);
                long t1 = System.nanoTime();
                if (!out.equals("hi\n")) throw new IllegalStateException("unexpected output: '" + out + "'");

                HttpResponse<String> up = http.send(agent(edge, id, token, "/files?path=/home/user/bench.bin")
                        .header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(mb)).build(), HttpResponse.BodyHandlers.ofString());
                long t2 = System.nanoTime();
                if (up.statusCode() != 200) throw new IllegalStateException("upload failed: " + up.statusCode() + " " + up.body());
                HttpResponse<byte[]> down = http.send(agent(edge, id, token, "/files?path=/home/user/bench.bin").GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                long t3 = System.nanoTime();
                if (down.statusCode() != 200 || down.body().length != mb.length)
                    throw new IllegalStateException("download failed: " + down.statusCode());
                if (i >= warmup) {
                    echo.add((t1 - t0) / 1e6);
                    upload.add((t2 - t1) / 1e6);
                    download.add((t3 - t2) / 1e6);
                }
            }
            System.out.printf("agent API round trips through the edge: %d each (after %d warm-up)%n", count, warmup);
            System.out.println(Stats.line("echo hi (Start)", echo));
            System.out.println(Stats.line("upload 1 MB", upload));
            System.out.println(Stats.line("download 1 MB", download));
        } finally {
            http.send(HttpRequest.newBuilder(api.resolve("/sandboxes/" + id)).header("X-API-KEY", key).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding());
        }
    }

    static HttpRequest.Builder agent(URI edge, String id, String token, String pathAndQuery) {
        HttpRequest.Builder b = HttpRequest.newBuilder(edge.resolve(pathAndQuery)).timeout(Duration.ofSeconds(60))
                .header("E2b-Sandbox-Id", id).header("E2b-Sandbox-Port", "49983");
        return token == null ? b : b.header("X-Access-Token", token);
    }

    static byte[] envelope(String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        byte[] e = new byte[5 + m.length];
        e[1] = (byte) (m.length >>> 24);
        e[2] = (byte) (m.length >>> 16);
        e[3] = (byte) (m.length >>> 8);
        e[4] = (byte) m.length;
        System.arraycopy(m, 0, e, 5, m.length);
        return e;
    }

    /** Reads envelopes to the end-stream frame; returns the decoded stdout. */
    static String readUntilEnd(InputStream body, ObjectMapper json) throws Exception {
        StringBuilder out = new StringBuilder();
        try (DataInputStream in = new DataInputStream(body)) {
            for (;;) {
                int flags = in.readUnsignedByte();
                byte[] payload = in.readNBytes(in.readInt());
                JsonNode m = json.readTree(payload);
                if ((flags & 0x02) != 0) {
                    if (m.has("error")) throw new IllegalStateException("stream error: " + m);
                    return out.toString();
                }
                JsonNode d = m.path("event").path("data");
                if (d.has("stdout")) out.append(new String(Base64.getDecoder().decode(d.path("stdout").asText()), StandardCharsets.UTF_8));
            }
        }
    }
}
