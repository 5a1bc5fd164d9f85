package dev.cove.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.core.routing.NodeForwardSignature;
import dev.cove.core.routing.PortAccessAudit;
import dev.cove.core.routing.SandboxRoute;
import dev.cove.core.routing.SandboxRoute.State;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Node-to-node authentication of forwarded requests: two edges as two nodes sharing a cluster secret, the owner's
 * edge routing a sandbox into a namespace ({@code covena-*}, created here). The client connects from 127.0.0.2, the
 * forwarding edge dials the owner from 127.0.0.1, so the address the owner records tells whose it took. A forward the
 * other node signs makes the owner record the real client and scheme; the same header from a client (forged, reused
 * for another path, stale) is dropped and changes nothing.
 */
class NodeAuthForwardTest {
    static final String DOMAIN = EdgeProxyTest.DOMAIN;
    static final String SBX = "sbx0nodeauth0test001";
    static final String CLIENT_IP = "127.0.0.2";
    static final String FORGED_IP = "203.0.113.7";
    static final String HEADER = NodeForwardSignature.HEADER;
    static final ObjectMapper JSON = new ObjectMapper();

    record Access(String sandbox, int port, String via, String source, int status) {}

    @TempDir static Path ownerDir;
    @TempDir static Path otherDir;
    static TestNamespace ns;
    static EdgeServer owner;
    static EdgeServer other;
    static HttpClient client;
    static NodeForwardSignature signature;
    static final List<Access> audited = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        ns = new TestNamespace("covena-");
        ns.startServer("0.0.0.0", 3000);
        ns.awaitListening(3000);
        signature = NodeForwardSignature.fromBase64(NodeForwardSignature.newSecret());
        MapSandboxDirectory owned = new MapSandboxDirectory();
        owned.put(new SandboxRoute(SBX, State.RUNNING, ns.path.toString(), null, null));
        InetSocketAddress nowhere = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
        PortAccessAudit audit = (sandbox, port, via, linkId, source, status) -> audited.add(new Access(sandbox, port, via, source, status));
        owner = new EdgeServer(EdgeProxyTest.config(ownerDir, nowhere).build(), owned)
                .nodeSignature(signature).audit(audit).start();
        InetSocketAddress ownerEdge = new InetSocketAddress(InetAddress.getLoopbackAddress(), owner.httpPort());
        MapSandboxDirectory elsewhere = new MapSandboxDirectory();
        elsewhere.put(SandboxRoute.elsewhere(SBX, State.RUNNING, ownerEdge));
        other = new EdgeServer(EdgeProxyTest.config(otherDir, nowhere).build(), elsewhere).nodeSignature(signature).start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).localAddress(InetAddress.getByName(CLIENT_IP))
                .sslContext(EdgeProxyTest.trusting(other.caCertificate())).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) client.close();
        if (other != null) other.close();
        if (owner != null) owner.close();
        if (ns != null) ns.close();
        assertThat(TestNamespace.run("ip", "netns", "list")).doesNotContain(ns.name);
    }

    @BeforeEach
    void clearAudit() { audited.clear(); }

    static URI at(EdgeServer edge, String scheme, String path) {
        int port = scheme.equals("https") ? edge.httpsPort() : edge.httpPort();
        return URI.create(scheme + "://3000-" + SBX + "." + DOMAIN + ":" + port + path);
    }

    static JsonNode send(URI uri, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        HttpResponse<String> r = client.send(b.build(), BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The audit entry of the one request just answered (the edge reports it after the response). */
    static Access lastAudited() throws InterruptedException {
        for (int i = 0; i < 200 && audited.isEmpty(); i++) Thread.sleep(10);
        assertThat(audited).hasSize(1);
        return audited.getFirst();
    }

    @Test
    void aSignedForwardRecordsTheRealClientAndScheme() throws Exception {
        JsonNode seen = send(at(other, "https", "/signed?x=1"));
        assertThat(seen.path("xForwardedFor").asText()).as("the sandbox sees the client, not the forwarding node")
                .isEqualTo(CLIENT_IP);
        assertThat(seen.path("xForwardedProto").asText()).as("and the client's scheme").isEqualTo("https");
        assertThat(seen.path("headers").toString().toLowerCase()).as("the node header stops at the owner's edge")
                .doesNotContain(HEADER);
        Access access = lastAudited();
        assertThat(access.source()).as("the owner's audit names the real client").isEqualTo(CLIENT_IP);
        assertThat(access.sandbox()).isEqualTo(SBX);
        assertThat(access.status()).isEqualTo(200);
    }

    @Test
    void aForgedForwardHeaderFromAClientIsNotTrusted() throws Exception {
        long now = System.currentTimeMillis() / 1000;
        String host = "3000-" + SBX + "." + DOMAIN + ":" + owner.httpPort();
        String[] forged = {
                "v1;t=" + now + ";for=" + FORGED_IP + ";proto=https;mac=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                // signed with the real secret, but for another path: captured and replayed elsewhere
                signature.sign(now, "GET", host, "/somewhere-else", FORGED_IP, true),
                // signed for this very request, but long ago
                signature.sign(now - 120, "GET", host, "/direct", FORGED_IP, true),
        };
        for (String header : forged) {
            audited.clear();
            JsonNode seen = send(at(owner, "http", "/direct"), HEADER, header);
            assertThat(seen.path("xForwardedFor").asText()).as(header).isEqualTo(CLIENT_IP);
            assertThat(seen.path("xForwardedProto").asText()).as(header).isEqualTo("http");
            assertThat(seen.path("headers").toString().toLowerCase()).as(header).doesNotContain(HEADER);
            assertThat(lastAudited().source()).as(header).isEqualTo(CLIENT_IP);
        }
        // the control case: the same request, signed as a node signs it now, is taken
        audited.clear();
        JsonNode vouched = send(at(owner, "http", "/direct"), HEADER, signature.sign(now, "GET", host, "/direct", FORGED_IP, true));
        assertThat(vouched.path("xForwardedFor").asText()).isEqualTo(FORGED_IP);
        assertThat(lastAudited().source()).isEqualTo(FORGED_IP);
    }

    @Test
    void aForgedHeaderSentToTheForwardingNodeIsReplacedByItsOwn() throws Exception {
        JsonNode seen = send(at(other, "http", "/via-other"), HEADER,
                "v1;t=" + System.currentTimeMillis() / 1000 + ";for=" + FORGED_IP + ";proto=https;mac=AAAA");
        assertThat(seen.path("xForwardedFor").asText()).isEqualTo(CLIENT_IP);
        assertThat(seen.path("xForwardedProto").asText()).isEqualTo("http");
        assertThat(lastAudited().source()).isEqualTo(CLIENT_IP);
    }
}
