package dev.cove.sdk.errors;

import dev.cove.sdk.internal.Errors;
import org.junit.jupiter.api.Test;

import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every error shape Cove sends becomes a typed exception carrying the server's sentence. */
class ErrorsTest {
    static CoveException http(int status, String body, Map<String, List<String>> headers) {
        return Errors.fromHttp(status, HttpHeaders.of(headers, (a, b) -> true), body.getBytes(StandardCharsets.UTF_8));
    }

    static CoveException http(int status, String body) { return http(status, body, Map.of()); }

    /** The control plane's E2B body {"code": status, "message"}. */
    @Test
    void controlPlaneErrorsByStatus() {
        assertThat(http(400, "{\"code\":400,\"message\":\"Timeout must be greater than 0\"}"))
                .isInstanceOf(InvalidArgumentException.class).hasMessage("Timeout must be greater than 0");
        assertThat(http(401, "{\"code\":401,\"message\":\"Invalid API key format\"}"))
                .isInstanceOf(AuthenticationException.class).hasMessage("Invalid API key format");
        assertThat(http(404, "{\"code\":404,\"message\":\"template 'x' not found\"}"))
                .isInstanceOf(NotFoundException.class).hasMessage("template 'x' not found");
        assertThat(http(409, "{\"code\":409,\"message\":\"busy\"}")).isInstanceOf(ConflictException.class);
        assertThat(http(501, "{\"code\":501,\"message\":\"Pausing sandboxes is not implemented by Cove yet\"}"))
                .isInstanceOf(NotImplementedException.class).hasMessageContaining("Pausing");
        assertThat(http(504, "{\"code\":504,\"message\":\"slow\"}")).isInstanceOf(CoveTimeoutException.class);
        CoveException e = http(500, "{\"code\":500,\"message\":\"Failed\",\"error_code\":\"sandbox_create_failed\"}");
        assertThat(e).isExactlyInstanceOf(CoveException.class);
        assertThat(e.code()).isEqualTo("sandbox_create_failed");
        assertThat(e.status()).isEqualTo(500);
    }

    /** 429 carries Retry-After. */
    @Test
    void rateLimitsCarryRetryAfter() {
        CoveException e = http(429, "{\"code\":\"rate_limited\",\"message\":\"slow down\"}", Map.of("Retry-After", List.of("7")));
        assertThat(e).isInstanceOf(RateLimitedException.class).hasMessage("slow down");
        assertThat(((RateLimitedException) e).retryAfter()).contains(Duration.ofSeconds(7));
    }

    /** The edge's typed answers: 410 sandbox_ended is an ended sandbox. */
    @Test
    void edgeErrors() {
        CoveException e = http(410, "{\"sandboxId\":\"abc\",\"port\":3000,\"code\":\"sandbox_ended\",\"message\":\"Sandbox abc was killed\"}");
        assertThat(e).isInstanceOf(SandboxEndedException.class).hasMessage("Sandbox abc was killed");
        assertThat(e.code()).isEqualTo("sandbox_ended");
        assertThat(http(502, "{\"sandboxId\":\"abc\",\"message\":\"The sandbox was not found\",\"code\":502}"))
                .isInstanceOf(SandboxEndedException.class).hasMessageContaining("not running");
        assertThat(http(502, "Failed to route request")).isExactlyInstanceOf(CoveException.class)
                .hasMessage("Failed to route request");
    }

    /** expose's 409 refusals become PortNotReadyException; other 409s stay plain conflicts. */
    @Test
    void exposeRefusalsArePortNotReady() {
        CoveException e = http(409, "{\"code\":409,\"error_code\":\"port_not_listening\",\"message\":\"nothing listens\","
                + "\"listening\":[{\"port\":8080,\"address\":\"::\"},{\"port\":8080,\"address\":\"0.0.0.0\"},9090]}");
        assertThat(e).isInstanceOf(PortNotReadyException.class).isInstanceOf(ConflictException.class).hasMessage("nothing listens");
        assertThat(((PortNotReadyException) e).listening()).containsExactly(8080, 9090);
        assertThat(http(409, "{\"code\":409,\"error_code\":\"sandbox_paused\",\"message\":\"paused\"}"))
                .isExactlyInstanceOf(ConflictException.class);
        assertThat(http(502, "{\"code\":\"port_not_listening\",\"message\":\"edge\"}"))
                .as("the edge's 502 for a request is no expose refusal").isExactlyInstanceOf(CoveException.class);
    }

    /** Connect errors from the agent API, by code. */
    @Test
    void agentErrorsByConnectCode() {
        assertThat(http(404, "{\"code\":\"not_found\",\"message\":\"path '/x' does not exist\"}"))
                .isInstanceOf(NotFoundException.class).hasMessage("path '/x' does not exist");
        assertThat(http(409, "{\"code\":\"already_exists\",\"message\":\"directory already exists\"}"))
                .isInstanceOf(ConflictException.class);
        assertThat(http(400, "{\"code\":\"invalid_argument\",\"message\":\"bad\"}")).isInstanceOf(InvalidArgumentException.class);
        assertThat(http(401, "{\"code\":\"unauthenticated\",\"message\":\"no\"}")).isInstanceOf(AuthenticationException.class);
        assertThat(http(504, "{\"code\":\"deadline_exceeded\",\"message\":\"late\"}")).isInstanceOf(CoveTimeoutException.class);
        assertThat(http(429, "{\"code\":\"resource_exhausted\",\"message\":\"full\"}")).isInstanceOf(RateLimitedException.class);
        assertThat(http(501, "{\"code\":\"unimplemented\",\"message\":\"x\"}")).isInstanceOf(NotImplementedException.class);
        assertThat(Errors.fromConnect("internal", "boom", 200)).isExactlyInstanceOf(CoveException.class).hasMessage("boom");
    }
}
