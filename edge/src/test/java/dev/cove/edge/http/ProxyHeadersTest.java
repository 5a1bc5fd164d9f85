package dev.cove.edge.http;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The header rewrite at the proxy boundary, on messages built by hand (the proxy tests cover it on the wire). */
class ProxyHeadersTest {

    private static HttpRequest request(String... namesAndValues) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
        for (int i = 0; i < namesAndValues.length; i += 2) request.headers().add(namesAndValues[i], namesAndValues[i + 1]);
        return request;
    }

    @Test
    void hopByHopAndConnectionNamedHeadersGoWhateverTheirOrderAndCase() {
        HttpRequest request = request("X-Early", "named before Connection", "Host", "app.example", "CONNECTION", "keep-alive, x-early, X-Late, Host, content-length",
                "Content-Length", "5", "Keep-Alive", "timeout=5", "te", "trailers", "Proxy-Connection", "keep-alive",
                "Upgrade", "websocket", "x-late", "named after", "Accept", "*/*");
        ProxyHeaders.prepareRequest(request, null, "10.0.0.9", false, "80", false);
        assertThat(request.headers().names()).doesNotContain("CONNECTION", "Keep-Alive", "te", "Proxy-Connection", "Upgrade",
                "X-Early", "x-late");
        // Connection may not take away framing or routing
        assertThat(request.headers().get("content-length")).isEqualTo("5");
        assertThat(request.headers().get("host")).isEqualTo("app.example");
        assertThat(request.headers().get("accept")).isEqualTo("*/*");
    }

    @Test
    void grpcIsTheGrpcContentTypeNotGrpcWeb() {
        assertThat(ProxyHeaders.isGrpc(request("Content-Type", "application/grpc"))).isTrue();
        assertThat(ProxyHeaders.isGrpc(request("Content-Type", "Application/GRPC+proto"))).isTrue();
        assertThat(ProxyHeaders.isGrpc(request("Content-Type", "application/grpc;charset=utf-8"))).isTrue();
        assertThat(ProxyHeaders.isGrpc(request("Content-Type", "application/grpc-web+proto"))).isFalse();
        assertThat(ProxyHeaders.isGrpc(request("Content-Type", "application/grpcx"))).isFalse();
        assertThat(ProxyHeaders.isGrpc(request("Content-Type", "application/json"))).isFalse();
        assertThat(ProxyHeaders.isGrpc(request("Host", "h"))).isFalse();
        assertThat(ProxyHeaders.asksForTrailers(request("TE", "deflate, Trailers"))).isTrue();
        assertThat(ProxyHeaders.asksForTrailers(request("TE", "deflate"))).isFalse();
    }

    @Test
    void forwardingHeadersAreTheEdgesOwn() {
        HttpRequest request = request("Host", "3000-sbx.cove.localhost", "X-Forwarded-For", "6.6.6.6", "x-forwarded-proto", "https",
                "X-Forwarded-Host", "evil", "X-Forwarded-Port", "1", "Forwarded", "for=6.6.6.6", "X-Cove-Sandbox-Id", "forged",
                "x-http2-scheme", "https", "X-Cove-Anything", "x");
        ProxyHeaders.prepareRequest(request, "sbx", "10.0.0.9", true, "443", false);
        assertThat(request.headers().getAll("x-forwarded-for")).containsExactly("10.0.0.9");
        assertThat(request.headers().getAll("x-forwarded-proto")).containsExactly("https");
        assertThat(request.headers().getAll("x-forwarded-host")).containsExactly("3000-sbx.cove.localhost");
        assertThat(request.headers().getAll("x-forwarded-port")).containsExactly("443");
        assertThat(request.headers().getAll("x-cove-sandbox-id")).containsExactly("sbx");
        assertThat(request.headers().names()).doesNotContain("Forwarded", "x-http2-scheme", "X-Cove-Anything");
    }

    @Test
    void chunkedBodiesAreReframedChunked() {
        HttpRequest request = request("Host", "h", "Transfer-Encoding", "gzip, CHUNKED");
        ProxyHeaders.prepareRequest(request, null, "10.0.0.9", false, "80", false);
        assertThat(request.headers().getAll("transfer-encoding")).containsExactly("chunked");
        HttpRequest plain = request("Host", "h", "Content-Length", "3");
        ProxyHeaders.prepareRequest(plain, null, "10.0.0.9", false, "80", false);
        assertThat(plain.headers().contains("transfer-encoding")).isFalse();
    }

    @Test
    void platformCredentialsStayWithThePlatform() {
        String[] headers = {"Host", "h", "E2B-Traffic-Access-Token", "secret", "X-API-Key", "e2b_key",
                "Cookie", "theme=dark; cove_access=link; Cove_Other=x", "Cookie", "cove_only=1", "Authorization", "Bearer app-token"};
        HttpRequest toSandboxPort = request(headers);
        ProxyHeaders.prepareRequest(toSandboxPort, null, "10.0.0.9", false, "80", true);
        assertThat(toSandboxPort.headers().names()).doesNotContain("E2B-Traffic-Access-Token", "X-API-Key");
        assertThat(toSandboxPort.headers().getAll("cookie")).containsExactly("theme=dark");
        assertThat(toSandboxPort.headers().get("authorization")).isEqualTo("Bearer app-token"); // the app's own

        HttpRequest toControlPlane = request(headers);
        ProxyHeaders.prepareRequest(toControlPlane, null, "10.0.0.9", false, "80", false);
        assertThat(toControlPlane.headers().get("x-api-key")).isEqualTo("e2b_key");
        assertThat(toControlPlane.headers().getAll("cookie")).hasSize(2);
    }

    @Test
    void responsesLoseOnlyHopByHopHeaders() {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers().add("Connection", "keep-alive, X-Secret").add("X-Secret", "1").add("Keep-Alive", "timeout=5")
                .add("Content-Length", "2").add("X-Forwarded-For", "kept: only requests are rewritten").add("Set-Cookie", "a=b");
        ProxyHeaders.removeHopByHop(response.headers());
        assertThat(response.headers().names()).containsExactlyInAnyOrder("Content-Length", "X-Forwarded-For", "Set-Cookie");
        assertThat(List.copyOf(response.headers().getAll("set-cookie"))).containsExactly("a=b");
    }
}
