package dev.cove.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Snapshot timings through the API of a running server (the edge's plain HTTP port, header-routed to the agent): for
 * each run a sandbox gets {@code mb} MB of changes (one large file and many 100 KB files, written by a command inside
 * it), then it prints p50/p99 of a plain create (for comparison), of {@code createSnapshot}, of a create from the
 * snapshot and of a one-sandbox fork. Every sandbox and snapshot it makes is deleted again.
 * Usage: {@code SnapshotBench <edge base url> <api key> [runs] [mb]}. Traffic goes to the given (loopback) URL only.
 */
public final class SnapshotBench {
    private SnapshotBench() {}

    public static void main(String[] args) throws Exception {
        URI base = URI.create(args[0]);
        String key = args[1];
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int mb = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        int warmup = 1;
        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<Double> plain = new ArrayList<>();
        List<Double> snapshot = new ArrayList<>();
        List<Double> fromSnapshot = new ArrayList<>();
        List<Double> fork = new ArrayList<>();
        int bigMb = mb * 6 / 10;
        int smallFiles = (mb - bigMb) * 10;
        String fill = "mkdir -p /home/user/bench && head -c " + bigMb + "M /dev/urandom > /home/user/bench/big.bin"
                + " && for i in $(seq " + smallFiles + "); do head -c 100K /dev/urandom > /home/user/bench/f$i; done"
                + " && du -sm /home/user/bench | cut -f1";
        for (int i = 0; i < warmup + runs; i++) {
            List<String> sandboxes = new ArrayList<>();
            String snap = null;
            try {
                long t0 = System.nanoTime();
                JsonNode src = send(http, json, post(base, key, "/v2/sandboxes", "{\"templateID\":\"base\",\"timeout\":300}"), 201);
                long t1 = System.nanoTime();
                String id = src.get("sandboxID").asText();
                sandboxes.add(id);
                String written = run(http, json, base, id, src.path("envdAccessToken").asText(null), fill).strip();
                if (Integer.parseInt(written) < mb) throw new IllegalStateException("wrote only " + written + " MB");

                long t2 = System.nanoTime();
                snap = send(http, json, post(base, key, "/sandboxes/" + id + "/snapshots", "{}"), 201)
                        .get("snapshotID").asText();
                long t3 = System.nanoTime();
                JsonNode copy = send(http, json, post(base, key, "/v2/sandboxes",
                        "{\"templateID\":\"" + snap + "\",\"timeout\":120}"), 201);
                long t4 = System.nanoTime();
                sandboxes.add(copy.get("sandboxID").asText());
                JsonNode forked = send(http, json, post(base, key, "/sandboxes/" + id + "/fork",
                        "{\"count\":1,\"timeout\":120}"), 201);
                long t5 = System.nanoTime();
                if (!forked.get(0).has("sandbox")) throw new IllegalStateException("fork failed: " + forked);
                sandboxes.add(forked.get(0).get("sandbox").get("sandboxID").asText());
                if (i == 0) {
                    String seen = run(http, json, base, copy.get("sandboxID").asText(),
                            copy.path("envdAccessToken").asText(null), "du -sm /home/user/bench | cut -f1").strip();
                    System.out.printf("changes per run: %s MB written, %s MB seen in a sandbox made from the snapshot%n",
                            written, seen);
                }
                if (i >= warmup) {
                    plain.add((t1 - t0) / 1e6);
                    snapshot.add((t3 - t2) / 1e6);
                    fromSnapshot.add((t4 - t3) / 1e6);
                    fork.add((t5 - t4) / 1e6);
                }
            } finally {
                for (String s : sandboxes)
                    http.send(HttpRequest.newBuilder(base.resolve("/sandboxes/" + s)).header("X-API-KEY", key).DELETE()
                            .build(), HttpResponse.BodyHandlers.discarding());
                if (snap != null)
                    http.send(HttpRequest.newBuilder(base.resolve("/templates/" + snap)).header("X-API-KEY", key)
                            .DELETE().build(), HttpResponse.BodyHandlers.discarding());
            }
        }
        System.out.printf("runs: %d (after %d warm-up), %d MB of changes each%n", runs, warmup, mb);
        System.out.println(Stats.line("plain create", plain));
        System.out.println(Stats.line("createSnapshot", snapshot));
        System.out.println(Stats.line("create from snapshot", fromSnapshot));
        System.out.println(Stats.line("fork (count 1)", fork));
    }

    private static HttpRequest post(URI base, String key, String path, String body) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(300)).header("X-API-KEY", key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static JsonNode send(HttpClient http, ObjectMapper json, HttpRequest req, int expected) throws Exception {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expected)
            throw new IllegalStateException(req.uri().getPath() + " answered " + r.statusCode() + " " + r.body());
        return json.readTree(r.body());
    }

    /** Runs {@code script} with bash in the sandbox through the agent's Start RPC; returns its stdout. */
    private static String run(HttpClient http, ObjectMapper json, URI edge, String id, String token, String script)
            throws Exception {
        String message = json.writeValueAsString(json.createObjectNode().set("process", json.createObjectNode()
                .put("cmd", "/bin/bash").set("args", json.createArrayNode().add("-c").add(script))));
        HttpResponse<InputStream> r = http.send(AgentRoundtripBench.agent(edge, id, token, "/process.Process/Start")
                .timeout(Duration.ofSeconds(300))
                .header("Content-Type", "application/connect+json").header("Connect-Protocol-Version", "1")
                .header("Connect-Timeout-Ms", "300000")
                .POST(HttpRequest.BodyPublishers.ofByteArray(AgentRoundtripBench.envelope(message))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) throw new IllegalStateException("Start answered " + r.statusCode());
        return AgentRoundtripBench.readUntilEnd(r.body(), json);
    }
}
