package dev.cove.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates and kills sandboxes one after another through the control-plane API and prints p50/p99 of
 * "create → running" (the create call returns once the sandbox runs) and of kill.
 * Usage: {@code CreateKillBench <api base url> <api key> [count]}. Traffic goes to the given
 * (loopback) URL only; the run is bounded by {@code count}.
 */
public final class CreateKillBench {
    private CreateKillBench() {}

    public static void main(String[] args) throws Exception {
        URI base = URI.create(args[0]);
        String key = args[1];
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        int warmup = Math.min(5, count);
        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<Double> creates = new ArrayList<>();
        List<Double> kills = new ArrayList<>();
        for (int i = 0; i < warmup + count; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(base.resolve("/v2/sandboxes"))
                    .header("X-API-KEY", key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"templateID\":\"base\",\"timeout\":120,\"metadata\":{\"bench\":\"create-kill\"}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            long t1 = System.nanoTime();
            if (created.statusCode() != 201) throw new IllegalStateException("create failed: " + created.statusCode() + " " + created.body());
            JsonNode sandbox = json.readTree(created.body());
            String id = sandbox.get("sandboxID").asText();
            long t2 = System.nanoTime();
            HttpResponse<String> killed = http.send(HttpRequest.newBuilder(base.resolve("/sandboxes/" + id))
                    .header("X-API-KEY", key).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            long t3 = System.nanoTime();
            if (killed.statusCode() != 204) throw new IllegalStateException("kill failed: " + killed.statusCode() + " " + killed.body());
            if (i >= warmup) {
                creates.add((t1 - t0) / 1e6);
                kills.add((t3 - t2) / 1e6);
            }
        }
        System.out.printf("sandboxes: %d (after %d warm-up)%n", count, warmup);
        System.out.println(Stats.line("create -> running", creates));
        System.out.println(Stats.line("kill", kills));
    }
}
