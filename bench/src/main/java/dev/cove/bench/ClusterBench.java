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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cove cluster numbers, against nodes on loopback that {@code bench/cluster.sh} starts (each node's plain HTTP edge
 * port; requests name sandboxes with E2B's header routing, the API with the bare address):
 * <ul>
 *   <li>{@code creates <key> <port> <count> <threads>}: creates/s through one node (placement spreads them over the
 *   cluster), then kills them;</li>
 *   <li>{@code routing <key> <count> <port>...}: a sandbox's port through the node that holds it against through
 *   another node (p50/p99 at light load, req/s with 4 clients), and how long a create, a kill and an expose made
 *   on one node take to show on another node's edge (p50/p99).</li>
 * </ul>
 * Traffic goes to the given loopback ports only; every run is bounded by its counts.
 */
public final class ClusterBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private ClusterBench() {}

    public static void main(String[] args) throws Exception {
        String key = args[1];
        switch (args[0]) {
            case "creates" -> creates(key, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "routing" -> {
                int count = Integer.parseInt(args[2]);
                List<Integer> ports = new ArrayList<>();
                for (int i = 3; i < args.length; i++) ports.add(Integer.parseInt(args[i]));
                routing(key, count, ports);
            }
            default -> throw new IllegalArgumentException("creates | routing");
        }
    }

    static URI api(int port) { return URI.create("http://127.0.0.1:" + port); }

    static JsonNode create(String key, int port) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(api(port).resolve("/v2/sandboxes"))
                .header("X-API-KEY", key).header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofString("{\"templateID\":\"base\",\"timeout\":600,\"metadata\":{\"bench\":\"cluster\"}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) throw new IllegalStateException("create failed: " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    static int kill(String key, int port, String id) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(api(port).resolve("/sandboxes/" + id)).header("X-API-KEY", key)
                .DELETE().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void creates(String key, int port, int count, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        List<Future<JsonNode>> made = new ArrayList<>();
        for (int i = 0; i < count; i++) made.add(pool.submit(() -> create(key, port)));
        List<JsonNode> sandboxes = new ArrayList<>();
        for (Future<JsonNode> f : made) sandboxes.add(f.get());
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Integer> perNode = new TreeMap<>();
        for (JsonNode s : sandboxes) perNode.merge(s.path("node").asText("-"), 1, Integer::sum);
        System.out.printf("creates: %d with %d clients in %.2f s = %.2f creates/s   per node %s%n", count, threads,
                seconds, count / seconds, perNode);
        for (JsonNode s : sandboxes) pool.submit(() -> kill(key, port, s.get("sandboxID").asText()));
        pool.shutdown();
        pool.awaitTermination(2, java.util.concurrent.TimeUnit.MINUTES);
    }

    /** GET / of the sandbox's port 8000 through the edge at {@code port}, by E2B's header routing; the status. */
    static HttpResponse<byte[]> port(int edge, String id, int sandboxPort) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(api(edge).resolve("/")).timeout(Duration.ofSeconds(10))
                .header("E2b-Sandbox-Id", id).header("E2b-Sandbox-Port", String.valueOf(sandboxPort)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void routing(String key, int count, List<Integer> ports) throws Exception {
        JsonNode sandbox = create(key, ports.getFirst());
        String id = sandbox.get("sandboxID").asText();
        String owner = sandbox.path("node").asText();
        int ownerIndex = Integer.parseInt(owner.replaceAll("\\D", "")) - 1;
        int same = ports.get(ownerIndex);
        int cross = ports.get((ownerIndex + 1) % ports.size());
        try {
            startServer(same, id, sandbox.path("envdAccessToken").asText(null));
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (port(same, id, 8000).statusCode() != 200) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("the sandbox's server did not start");
                Thread.sleep(100);
            }
            System.out.printf("sandbox %s on %s; same node through :%d, across nodes through :%d%n", id, owner, same, cross);
            int warmup = Math.min(200, count);
            System.out.println(Stats.line("same node", sequential(same, id, warmup, count)));
            System.out.println(Stats.line("across nodes", sequential(cross, id, warmup, count)));
            System.out.printf("same node      %8.0f req/s (4 clients, 5 s)%n", throughput(same, id));
            System.out.printf("across nodes   %8.0f req/s (4 clients, 5 s)%n", throughput(cross, id));
            propagation(key, ports, id, ownerIndex);
        } finally {
            kill(key, same, id);
        }
    }

    private static List<Double> sequential(int edge, String id, int warmup, int count) throws Exception {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < warmup + count; i++) {
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r = port(edge, id, 8000);
            long t1 = System.nanoTime();
            if (r.statusCode() != 200) throw new IllegalStateException("request " + i + " failed: " + r.statusCode() + " " + new String(r.body()));
            if (i >= warmup) ms.add((t1 - t0) / 1e6);
        }
        return ms;
    }

    private static double throughput(int edge, String id) throws Exception {
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + 5_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            clients.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    if (port(edge, id, 8000).statusCode() == 200) done.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : clients) f.get();
        pool.shutdown();
        return done.get() / 5.0;
    }

    /** Creates, kills and exposes made through one node, timed until another node's edge shows them. */
    private static void propagation(String key, List<Integer> ports, String servedId, int servedOwner) throws Exception {
        List<Double> created = new ArrayList<>();
        List<Double> killed = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            JsonNode s = create(key, ports.get(i % ports.size()));
            long t0 = System.nanoTime();
            String id = s.get("sandboxID").asText();
            int owner = Integer.parseInt(s.path("node").asText().replaceAll("\\D", "")) - 1;
            int other = ports.get((owner + 1) % ports.size());
            while (port(other, id, 8000).statusCode() == 404) Thread.onSpinWait(); // 404: not known yet; then 502
            created.add((System.nanoTime() - t0) / 1e6);
            int status = kill(key, ports.get(owner), id);
            long t1 = System.nanoTime();
            if (status != 204) throw new IllegalStateException("kill failed: " + status);
            while (port(other, id, 8000).statusCode() != 410) Thread.onSpinWait();
            killed.add((System.nanoTime() - t1) / 1e6);
        }
        List<Double> exposed = new ArrayList<>();
        int via = ports.get((servedOwner + 1) % ports.size());
        int seenAt = ports.get((servedOwner + 2) % ports.size());
        for (int i = 0; i < 20; i++) {
            String access = i % 2 == 0 ? "private" : "public";
            int expected = i % 2 == 0 ? 401 : 200;
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(api(via).resolve("/sandboxes/" + servedId + "/ports/8000/expose"))
                    .header("X-API-KEY", key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"access\":\"" + access + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            long t0 = System.nanoTime();
            if (r.statusCode() / 100 != 2) throw new IllegalStateException("expose failed: " + r.statusCode() + " " + r.body());
            while (port(seenAt, servedId, 8000).statusCode() != expected) Thread.onSpinWait();
            exposed.add((System.nanoTime() - t0) / 1e6);
        }
        System.out.println("propagation to another node's edge (from the API's answer; 20 each):");
        System.out.println(Stats.line("create routed", created));
        System.out.println(Stats.line("kill -> 410", killed));
        System.out.println(Stats.line("expose/private", exposed));
    }

    /**
     * A keep-alive HTTP/1.1 server answering "ok" (python's http.server closes every connection), each answer one
     * write (buffered), so Nagle and delayed ACKs do not add 40 ms to every request.
     */
    private static final String SERVER = String.join("\n",
            "import http.server as h",
            "class H(h.BaseHTTPRequestHandler):",
            "    protocol_version = 'HTTP/1.1'",
            "    wbufsize = 65536",
            "    def do_GET(self):",
            "        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers()",
            "        self.wfile.write(b'ok')",
            "    def log_message(self, *args): pass",
            "h.ThreadingHTTPServer(('0.0.0.0', 8000), H).serve_forever()", "");

    /** Uploads and starts {@link #SERVER} through the agent API; its stream stays open on a daemon thread. */
    private static void startServer(int edge, String id, String token) throws Exception {
        HttpResponse<String> up = HTTP.send(AgentRoundtripBench.agent(api(edge), id, token, "/files?path=/tmp/bench-server.py")
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofString(SERVER)).build(), HttpResponse.BodyHandlers.ofString());
        if (up.statusCode() != 200) throw new IllegalStateException("upload failed: " + up.statusCode() + " " + up.body());
        byte[] start = AgentRoundtripBench.envelope("{\"process\":{\"cmd\":\"python3\",\"args\":[\"/tmp/bench-server.py\"]},\"stdin\":false}");
        HttpResponse<InputStream> r = HTTP.send(AgentRoundtripBench.agent(api(edge), id, token, "/process.Process/Start")
                .timeout(Duration.ofMinutes(30))
                .header("Content-Type", "application/connect+json").header("Connect-Protocol-Version", "1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(start)).build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) throw new IllegalStateException("Start failed: " + r.statusCode());
        Thread.ofPlatform().daemon().start(() -> {
            try (InputStream in = r.body()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (Exception ignored) {
                // the sandbox ended
            }
        });
    }
}
