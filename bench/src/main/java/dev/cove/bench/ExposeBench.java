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
import java.util.concurrent.TimeUnit;

/**
 * Exposing a port through a real server: p50/p99 of expose with an HTTP readiness check (the server is up, so this is
 * the check's own cost: socket table, one request through the edge), of making a share link, and of one request
 * through the edge to a public port, with the sandbox's token, and with a link (query token, then its cookie).
 * Usage: {@code ExposeBench <edge http url> <api key> <data dir> <resource prefix> [rounds]}. Loopback only, bounded.
 */
public final class ExposeBench {
    private ExposeBench() {}

    public static void main(String[] args) throws Exception {
        URI base = URI.create(args[0]);
        String key = args[1];
        String dataDir = args[2];
        String prefix = args[3];
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 50;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ObjectMapper json = new ObjectMapper();
        Api api = new Api(http, base, key);

        JsonNode sandbox = json.readTree(api.call("POST", "/v2/sandboxes",
                "{\"templateID\":\"base\",\"timeout\":600,\"portAccess\":{\"ports\":{\"3001\":\"public\"}}}", 201));
        String id = sandbox.get("sandboxID").asText();
        String token = sandbox.get("trafficAccessToken").asText();
        for (int port : new int[] {3000, 3001}) {
            Process p = new ProcessBuilder("runc", "--root", dataDir + "/runc", "exec", "-d", "--user", "1000:1000",
                    prefix + "-" + id, "python3", "-m", "http.server", String.valueOf(port), "--directory", "/tmp")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("runc exec failed");
        }
        URI privatePort = URI.create("http://3000-" + id + ".cove.localhost:" + base.getPort() + "/");
        URI publicPort = URI.create("http://3001-" + id + ".cove.localhost:" + base.getPort() + "/");
        api.call("POST", "/sandboxes/" + id + "/ports/3000/expose", "{\"readiness\":{\"type\":\"tcp\"},\"timeoutSeconds\":30}", 200);
        api.call("POST", "/sandboxes/" + id + "/ports/3001/expose", "{\"access\":\"public\",\"timeoutSeconds\":30}", 200);

        List<Double> exposes = new ArrayList<>(), links = new ArrayList<>(), open = new ArrayList<>(), withToken = new ArrayList<>(),
                viaQuery = new ArrayList<>(), viaCookie = new ArrayList<>();
        for (int i = 0; i < rounds + 5; i++) {
            boolean keep = i >= 5;
            long t0 = System.nanoTime();
            api.call("POST", "/sandboxes/" + id + "/ports/3000/expose",
                    "{\"access\":\"private\",\"readiness\":{\"type\":\"http\",\"path\":\"/\",\"status\":200}}", 200);
            long t1 = System.nanoTime();
            JsonNode link = json.readTree(api.call("POST", "/sandboxes/" + id + "/ports/3000/links", "{\"ttlSeconds\":600}", 201));
            long t2 = System.nanoTime();
            String linkToken = link.get("token").asText();
            double pub = get(http, publicPort, null, null);
            double tok = get(http, privatePort, "e2b-traffic-access-token", token);
            double query = get(http, URI.create(privatePort + "?cove_token=" + linkToken), null, null);
            double cookie = get(http, privatePort, "Cookie", "cove_access=" + linkToken);
            if (keep) {
                exposes.add((t1 - t0) / 1e6);
                links.add((t2 - t1) / 1e6);
                open.add(pub);
                withToken.add(tok);
                viaQuery.add(query);
                viaCookie.add(cookie);
            }
        }
        api.call("DELETE", "/sandboxes/" + id, null, 204);
        System.out.printf("rounds: %d (after 5 warm-up); API calls and requests through the edge (HTTP, loopback)%n", rounds);
        System.out.println(Stats.line("expose, http check", exposes));
        System.out.println(Stats.line("share link create", links));
        System.out.println(Stats.line("GET public port", open));
        System.out.println(Stats.line("GET private, token", withToken));
        System.out.println(Stats.line("GET private, link ?q", viaQuery));
        System.out.println(Stats.line("GET private, cookie", viaCookie));
    }

    private static double get(HttpClient http, URI uri, String header, String value) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
        if (header != null) b.header(header, value);
        long t0 = System.nanoTime();
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        double ms = (System.nanoTime() - t0) / 1e6;
        if (r.statusCode() != 200) throw new IllegalStateException(uri.getHost() + " answered " + r.statusCode());
        return ms;
    }

    /** The control plane through the edge (Host localhost). */
    record Api(HttpClient http, URI base, String key) {
        String call(String method, String path, String body, int expected) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("X-API-KEY", key).timeout(Duration.ofSeconds(60));
            if (body != null) b.header("Content-Type", "application/json");
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != expected) throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
            return r.body();
        }
    }
}
