package dev.cove.sdk;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A control plane that answers from a table of canned responses, keyed by {@code "METHOD /path?query"}, and records
 * every request; for checking the SDK's side of a REST contract without a server.
 */
public final class FakeControlPlane implements AutoCloseable {
    public record Request(String method, String path, String body, String apiKey) {}

    public record Answer(int status, String body) {}

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final HttpServer server;

    public FakeControlPlane() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String key = ex.getRequestMethod() + " " + ex.getRequestURI();
            byte[] in = ex.getRequestBody().readAllBytes();
            requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().toString(),
                    new String(in, StandardCharsets.UTF_8), ex.getRequestHeaders().getFirst("X-API-Key")));
            Answer a = answers.getOrDefault(key, new Answer(404, "{\"code\":404,\"message\":\"no canned answer for " + key + "\"}"));
            byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(a.status(), a.status() == 204 ? -1 : out.length);
            if (a.status() != 204) ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
    }

    public FakeControlPlane answer(String methodAndPath, int status, String body) {
        answers.put(methodAndPath, new Answer(status, body));
        return this;
    }

    public CoveConfig config() {
        return CoveConfig.builder().apiUrl("http://127.0.0.1:" + server.getAddress().getPort())
                .domain("cove.localhost:8443").apiKey("e2b_test").build();
    }

    /** A sandbox attached through {@code connect}, as the SDK would get it from a real server. */
    public Sandbox sandbox(String id) {
        answer("POST /v2/sandboxes/" + id + "/connect", 201, "{\"sandboxID\":\"" + id + "\",\"templateID\":\"base\","
                + "\"envdVersion\":\"0.6.13\",\"envdAccessToken\":\"envd\",\"trafficAccessToken\":\"traffic\","
                + "\"domain\":\"cove.localhost:8443\",\"portAccess\":{\"default\":\"private\"}}");
        Sandbox s = Sandbox.connect(id, config());
        requests.clear();
        return s;
    }

    public Request last() { return requests.get(requests.size() - 1); }

    @Override
    public void close() { server.stop(0); }
}
