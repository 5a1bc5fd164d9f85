package dev.cove.api.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.ApiConfig;
import dev.cove.api.ControlPlane;
import dev.cove.api.store.SandboxRecord;
import dev.cove.core.runtime.SandboxRuntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** A real control plane (Helidon on a free loopback port, SQLite in a temp dir) and a JDK HTTP client. */
public final class TestPlane implements AutoCloseable {
    public static final String KEY = "e2b_0123456789abcdef0123456789abcdef";

    private final ControlPlane plane;
    private final HttpClient http;

    private TestPlane(ControlPlane plane, HttpClient.Version version) {
        this.plane = plane;
        this.http = HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static TestPlane start(Path dataDir, SandboxRuntime runtime) {
        return start(dataDir, runtime, b -> b);
    }

    public static TestPlane start(Path dataDir, SandboxRuntime runtime, UnaryOperator<ApiConfig.Builder> tweak) {
        ApiConfig config = tweak.apply(ApiConfig.builder(dataDir).domain("cove.test").apiKey(KEY)).build();
        return new TestPlane(ControlPlane.start(config, runtime), HttpClient.Version.HTTP_1_1);
    }

    public ControlPlane plane() { return plane; }

    public TestPlane withHttp2() { return new TestPlane(plane, HttpClient.Version.HTTP_2); }

    public Resp get(String path) { return call("GET", path, null); }

    public Resp post(String path, String json) { return call("POST", path, json); }

    public Resp delete(String path) { return call("DELETE", path, null); }

    public Resp call(String method, String path, String json) {
        return call(method, path, json, Map.of("X-API-KEY", plane.apiKey()));
    }

    public Resp call(String method, String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plane.port() + path))
                .timeout(Duration.ofSeconds(120))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Resp(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Creates a sandbox through the API (201 asserted); returns the Sandbox JSON. */
    public JsonNode create(String body) {
        Resp r = post("/sandboxes", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json();
    }

    public JsonNode createV2(String body) {
        Resp r = post("/v2/sandboxes", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json();
    }

    /** Kills every live sandbox of this control plane. */
    public void killAll() {
        for (SandboxRecord r : plane.sandboxes().listLive()) {
            try {
                plane.sandboxes().kill(r.id());
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
    }

    /** Stops the control plane, leaving its sandboxes running (as a server restart does). */
    public void stopKeepingSandboxes() { plane.close(); }

    /** Kills every sandbox, then stops. */
    @Override
    public void close() {
        try {
            killAll();
        } finally {
            plane.close();
        }
    }
}
