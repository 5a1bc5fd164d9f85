package dev.cove.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.core.routing.PortAccessPolicy;
import dev.cove.core.routing.SandboxRoute;
import dev.cove.core.routing.SandboxRoute.State;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two edges as two nodes of a cluster: the owner's edge routes a sandbox into its namespace ({@code covecl-edge-*},
 * created here), the other edge knows only that the sandbox lives at the owner's edge. Requests to the other edge
 * reach the sandbox as if sent to the owner, credentials and all (the owner checks them), over HTTP/1.1, HTTP/2 over
 * TLS, and gRPC (HTTP/2 end to end, trailers included).
 */
class NodeForwardTest {
    static final String DOMAIN = EdgeProxyTest.DOMAIN;
    static final String SBX = "sbx0forward0test0001";
    static final String SECURED = "sbx0forward0secure01";
    static final String TOKEN = "t0k3n-across-nodes";
    static final int GRPC_PORT = 50051;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path ownerDir;
    @TempDir static Path otherDir;
    static TestNamespace ns;
    static EdgeServer owner;
    static EdgeServer other;
    static HttpClient http1;
    static HttpClient http2;

    @BeforeAll
    static void start() throws Exception {
        ns = new TestNamespace("covecl-edge-");
        ns.startServer("0.0.0.0", 3000);
        ns.startH2cServer("127.0.0.1", GRPC_PORT);
        for (int port : new int[] {3000, GRPC_PORT}) ns.awaitListening(port);
        MapSandboxDirectory owned = new MapSandboxDirectory();
        owned.put(new SandboxRoute(SBX, State.RUNNING, ns.path.toString(), null, null));
        owned.put(new SandboxRoute(SECURED, State.RUNNING, ns.path.toString(), null, null, null, PortAccessPolicy.e2bToken(TOKEN), false));
        InetSocketAddress nowhere = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
        owner = new EdgeServer(EdgeProxyTest.config(ownerDir, nowhere).build(), owned).start();
        InetSocketAddress ownerEdge = new InetSocketAddress(InetAddress.getLoopbackAddress(), owner.httpPort());
        MapSandboxDirectory elsewhere = new MapSandboxDirectory();
        elsewhere.put(SandboxRoute.elsewhere(SBX, State.RUNNING, ownerEdge));
        elsewhere.put(SandboxRoute.elsewhere(SECURED, State.RUNNING, ownerEdge));
        other = new EdgeServer(EdgeProxyTest.config(otherDir, nowhere).build(), elsewhere).start();
        var tls = EdgeProxyTest.trusting(other.caCertificate());
        http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).build();
        http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(tls).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (http1 != null) http1.close();
        if (http2 != null) http2.close();
        if (other != null) other.close();
        if (owner != null) owner.close();
        if (ns != null) ns.close();
        assertThat(TestNamespace.run("ip", "netns", "list")).doesNotContain(ns.name);
    }

    static URI viaOther(String scheme, String sandbox, int port, String path) {
        int edgePort = scheme.equals("https") ? other.httpsPort() : other.httpPort();
        return URI.create(scheme + "://" + port + "-" + sandbox + "." + DOMAIN + ":" + edgePort + path);
    }

    @Test
    void aSandboxOfAnotherNodeIsReachedThroughThisEdge() throws Exception {
        for (String scheme : new String[] {"http", "https"}) {
            for (HttpClient client : new HttpClient[] {http1, http2}) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(viaOther(scheme, SBX, 3000, "/hi?x=1"))
                        .timeout(Duration.ofSeconds(20)).build(), BodyHandlers.ofString());
                assertThat(r.statusCode()).as(scheme + " " + r.body()).isEqualTo(200);
                JsonNode body = JSON.readTree(r.body());
                assertThat(body.path("path").asText()).isEqualTo("/hi?x=1");
                assertThat(body.path("host").asText()).as("the public Host passes through both edges")
                        .startsWith("3000-" + SBX + "." + DOMAIN);
            }
        }
    }

    @Test
    void theOwnerChecksTheClientsOwnCredentials() throws Exception {
        HttpResponse<String> without = http1.send(HttpRequest.newBuilder(viaOther("http", SECURED, 3000, "/"))
                .header("Accept", "application/json").build(), BodyHandlers.ofString());
        assertThat(without.statusCode()).as(without.body()).isEqualTo(403);
        HttpResponse<String> with = http1.send(HttpRequest.newBuilder(viaOther("http", SECURED, 3000, "/"))
                .header("e2b-traffic-access-token", TOKEN).build(), BodyHandlers.ofString());
        assertThat(with.statusCode()).as(with.body()).isEqualTo(200);
        assertThat(JSON.readTree(with.body()).toString()).as("and the sandbox never sees the token").doesNotContain(TOKEN);
    }

    @Test
    void grpcCrossesNodesOverHttp2WithItsTrailers() throws Exception {
        byte[] message = "\0\0\0\0\5hello".getBytes(StandardCharsets.ISO_8859_1);
        HttpResponse<String> r = http2.send(HttpRequest.newBuilder(viaOther("https", SBX, GRPC_PORT, "/echo.Echo/Say"))
                .timeout(Duration.ofSeconds(20)).header("content-type", "application/grpc").header("te", "trailers")
                .POST(BodyPublishers.ofByteArray(message)).build(), BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.body()).isEqualTo(new String(message, StandardCharsets.ISO_8859_1));
        assertThat(r.headers().firstValue("x-saw-te")).hasValue("trailers");
        assertThat(r.headers().firstValue("x-saw-path")).hasValue("/echo.Echo/Say");
    }
}
