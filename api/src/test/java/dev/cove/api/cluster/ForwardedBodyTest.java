package dev.cove.api.cluster;

import com.sun.net.httpserver.HttpServer;
import dev.cove.api.store.ClusterStore;
import dev.cove.api.store.JdbcSandboxStore;
import dev.cove.api.store.PostgresLocation;
import dev.cove.api.testing.PostgresServer;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * A create that placement sends to another node is forwarded before any API key is checked (the owner checks it):
 * its body is read whole first, so it must be bounded, or anyone could fill the node's heap. Real PostgreSQL rows,
 * a real Helidon server with the filter, and a plain HTTP server standing for the other node.
 */
class ForwardedBodyTest {
    static PostgresServer pg;
    static JdbcSandboxStore store;
    static HttpServer other;
    static WebServer api;
    static final AtomicInteger reached = new AtomicInteger();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        assumeThat(PostgresServer.installed()).as("PostgreSQL server binaries (./cove install --with-test-tools)").isTrue();
        pg = PostgresServer.start("coverev");
        store = JdbcSandboxStore.openPostgres(PostgresLocation.parse(pg.url(), null), "coverev-a");
        other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        other.createContext("/", ex -> {
            ex.getRequestBody().transferTo(java.io.OutputStream.nullOutputStream());
            reached.incrementAndGet();
            byte[] b = "{}".getBytes();
            ex.getResponseHeaders().add("content-type", "application/json");
            ex.sendResponseHeaders(201, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        other.start();
        ClusterStore rows = new ClusterStore(store);
        Instant now = Instant.now();
        rows.register("coverev-b", "http://127.0.0.1:" + other.getAddress().getPort(), 0, now, now.plus(Duration.ofHours(1)));
        NodeForwarding forwarding = new NodeForwarding("coverev-a", "coverev.test", store, rows, Clock.systemUTC(),
                new dev.cove.core.routing.NodeForwardSignature(new byte[32]));
        api = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false).maxPayloadSize(-1)
                .routing(r -> r.addFilter(forwarding).post("/sandboxes", (req, res) -> res.status(401).send()))
                .build().start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (api != null) api.stop();
        if (other != null) other.stop(0);
        if (store != null) store.close();
        if (pg != null) pg.close();
    }

    private static HttpResponse<String> create(byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/sandboxes"))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aCreateGoesToThePlacedNodeAndAnOversizedOneNowhere() throws Exception {
        int before = reached.get();
        HttpResponse<String> small = create("{\"templateID\":\"base\"}".getBytes());
        assertThat(small.statusCode()).as(small.body()).isEqualTo(201);
        assertThat(reached.get()).as("forwarded to the node placement chose").isEqualTo(before + 1);

        byte[] huge = new byte[NodeForwarding.MAX_BODY_BYTES * 4];
        java.util.Arrays.fill(huge, (byte) ' ');
        HttpResponse<String> refused = create(huge);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(413);
        assertThat(refused.body()).contains("larger than " + NodeForwarding.MAX_BODY_BYTES + " bytes");
        assertThat(reached.get()).as("an oversized body is not forwarded").isEqualTo(before + 1);
    }
}
