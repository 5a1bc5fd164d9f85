package dev.cove.bench;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Pause, resume and wake-on-request through a real server's API and edge: p50/p99 of pause (memory kept, and file
 * system only), resume (thaw, and restart on the kept file system) and the first byte of a request that wakes a
 * paused sandbox created with autoResume. Usage: {@code PauseResumeBench <edge http url> <api key> <data dir>
 * <resource prefix> [rounds]}. Traffic goes to loopback only; the run is bounded by {@code rounds}.
 */
public final class PauseResumeBench {
    private PauseResumeBench() {}

    private static HttpClient http;
    private static URI base;
    private static String key;

    public static void main(String[] args) throws Exception {
        base = URI.create(args[0]);
        key = args[1];
        String dataDir = args[2];
        String prefix = args[3];
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 20;
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ObjectMapper json = new ObjectMapper();

        String id = json.readTree(call("POST", "/v2/sandboxes",
                "{\"templateID\":\"base\",\"timeout\":600,\"autoResume\":{\"enabled\":true},\"portAccess\":{\"default\":\"public\"}}", 201))
                .get("sandboxID").asText();
        Process server = new ProcessBuilder("runc", "--root", dataDir + "/runc", "exec", "-d", "--user", "1000:1000",
                prefix + "-" + id, "python3", "-m", "http.server", "3000", "--directory", "/tmp")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!server.waitFor(30, TimeUnit.SECONDS) || server.exitValue() != 0) throw new IllegalStateException("runc exec failed");
        URI port = URI.create("http://3000-" + id + ".cove.localhost:" + base.getPort() + "/");
        for (int i = 0; i < 100 && firstByte(port) != 200; i++) Thread.sleep(100);

        List<Double> pauses = new ArrayList<>(), resumes = new ArrayList<>(), wakes = new ArrayList<>();
        for (int i = 0; i < rounds + 2; i++) {
            double pause = timed(() -> call("POST", "/sandboxes/" + id + "/pause", "{}", 204));
            double resume = timed(() -> call("POST", "/sandboxes/" + id + "/connect", "{\"timeout\":600}", 201));
            call("POST", "/sandboxes/" + id + "/pause", "{}", 204);
            long t0 = System.nanoTime();
            int status = firstByte(port);
            double wake = (System.nanoTime() - t0) / 1e6;
            if (status != 200) throw new IllegalStateException("the waking request answered " + status);
            if (i >= 2) { // two warm-up rounds
                pauses.add(pause);
                resumes.add(resume);
                wakes.add(wake);
            }
        }
        call("DELETE", "/sandboxes/" + id, null, 204);

        String fs = json.readTree(call("POST", "/v2/sandboxes", "{\"templateID\":\"base\",\"timeout\":600}", 201))
                .get("sandboxID").asText();
        List<Double> fsPauses = new ArrayList<>(), fsResumes = new ArrayList<>();
        for (int i = 0; i < rounds + 2; i++) {
            double pause = timed(() -> call("POST", "/sandboxes/" + fs + "/pause", "{\"memory\":false}", 204));
            double resume = timed(() -> call("POST", "/sandboxes/" + fs + "/connect", "{\"timeout\":600}", 201));
            if (i >= 2) {
                fsPauses.add(pause);
                fsResumes.add(resume);
            }
        }
        call("DELETE", "/sandboxes/" + fs, null, 204);

        System.out.printf("rounds: %d (after 2 warm-up), each an API call through the edge (HTTP, loopback)%n", rounds);
        System.out.println(Stats.line("pause (memory kept: freeze)", pauses));
        System.out.println(Stats.line("resume (connect: thaw)", resumes));
        System.out.println(Stats.line("wake on request (first byte)", wakes));
        System.out.println(Stats.line("pause (file system only)", fsPauses));
        System.out.println(Stats.line("resume (restart on its files)", fsResumes));
    }

    @FunctionalInterface
    private interface Call { void run() throws Exception; }

    private static double timed(Call c) throws Exception {
        long t0 = System.nanoTime();
        c.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static String call(String method, String path, String body, int expected) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("X-API-KEY", key).timeout(Duration.ofSeconds(60));
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expected) throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
        return r.body();
    }

    /** Sends a GET and returns once the status line and headers arrived (the first byte), draining the rest after. */
    private static int firstByte(URI uri) throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return r.statusCode();
    }
}
