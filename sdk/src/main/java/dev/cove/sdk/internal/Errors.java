package dev.cove.sdk.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.errors.AuthenticationException;
import dev.cove.sdk.errors.ConflictException;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.errors.CoveTimeoutException;
import dev.cove.sdk.errors.InvalidArgumentException;
import dev.cove.sdk.errors.NotFoundException;
import dev.cove.sdk.errors.NotImplementedException;
import dev.cove.sdk.errors.PortNotReadyException;
import dev.cove.sdk.errors.RateLimitedException;
import dev.cove.sdk.errors.SandboxEndedException;

import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Cove's error answers into typed exceptions carrying the server's sentence. Three shapes arrive: the control
 * plane's E2B body {@code {"code": <status>, "message"}}, Connect errors {@code {"code": "<snake_case>", "message"}}
 * from the agent API, and the edge's typed body {@code {"code": "<machine code>", "message", "sandboxId", ...}}.
 */
public final class Errors {
    private static final Pattern EXIT_STATUS = Pattern.compile("exit status (\\d+)");

    private Errors() {}

    /** An error from an HTTP answer with a non-success status. */
    public static CoveException fromHttp(int status, HttpHeaders headers, byte[] body) {
        String message = null;
        String code = null;
        JsonNode details = null;
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n != null && n.isObject()) {
                details = n;
                message = Json.text(n, "message");
                JsonNode c = n.get("code");
                if (c != null && c.isTextual()) code = c.asText();
                String errorCode = Json.text(n, "error_code");
                if (code == null && errorCode != null) code = errorCode;
            }
        } catch (Exception e) {
            // not JSON: keep the text
        }
        if (message == null) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            message = text.isEmpty() ? "HTTP " + status : text.length() > 500 ? text.substring(0, 500) + "…" : text;
        }
        if (code != null && isConnectCode(code)) return fromConnect(code, message, status);
        PortNotReadyException.Reason notReady = status == 409 ? PortNotReadyException.Reason.of(code) : null;
        if (notReady != null) return portNotReady(status, notReady, message, details);
        Duration retryAfter = headers == null ? null : headers.firstValue("Retry-After").map(Errors::seconds).orElse(null);
        return byStatus(status, code, message, retryAfter);
    }

    /** An error from a Connect error object {@code {"code","message"}} (unary body or end-stream envelope). */
    public static CoveException fromConnect(String code, String message, int status) {
        String m = message == null || message.isEmpty() ? code : message;
        switch (code) {
            case "invalid_argument":
            case "failed_precondition":
            case "out_of_range":
                return new InvalidArgumentException(status, code, m);
            case "unauthenticated":
                return new AuthenticationException(status, code, m);
            case "not_found":
                return new NotFoundException(status, code, m);
            case "already_exists":
            case "aborted":
                return new ConflictException(status, code, m);
            case "resource_exhausted":
                return new RateLimitedException(status, code, m, null);
            case "unimplemented":
                return new NotImplementedException(status, code, m);
            case "deadline_exceeded":
            case "canceled":
                return new CoveTimeoutException(status, code, m);
            default:
                return new CoveException(status, code, m);
        }
    }

    static CoveException byStatus(int status, String code, String message, Duration retryAfter) {
        switch (status) {
            case 400: return new InvalidArgumentException(status, code, message);
            case 401: return new AuthenticationException(status, code, message);
            case 404: return new NotFoundException(status, code, message);
            case 409: return new ConflictException(status, code, message);
            case 410: return new SandboxEndedException(status, code, message);
            case 429: return new RateLimitedException(status, code, message, retryAfter);
            case 501: return new NotImplementedException(status, code, message);
            case 502:
                // The agent API's (and E2B's) answer for a sandbox that is not running: it ended or never was.
                if (message.contains("sandbox was not found")) {
                    return new SandboxEndedException(status, code == null ? "sandbox_not_running" : code,
                            message + " (it is not running: it was killed, its timeout passed, or it never existed)");
                }
                return new CoveException(status, code, message);
            case 504: return new CoveTimeoutException(status, code, message);
            default: return new CoveException(status, code, message);
        }
    }

    /** expose's refusals: {@code error_code} plus the details its reason names (docs/ports.md). */
    static PortNotReadyException portNotReady(int status, PortNotReadyException.Reason reason, String message, JsonNode n) {
        List<Integer> listening = new ArrayList<>();
        JsonNode l = n.get("listening");
        if (l != null && l.isArray()) {
            for (JsonNode x : l) {
                // the contract lists ports; an object with a port (as GET /ports has) is read too
                Integer port = x.isObject() ? Json.optionalInteger(x, "port")
                        : x.canConvertToInt() ? Integer.valueOf(x.asInt()) : null;
                if (port != null && !listening.contains(port)) listening.add(port);
            }
        }
        // process_exited: the server names how it ended in "status" ("exit status 3", "signal: killed"); the number
        // in "exitCode" when given, else read from that sentence. For unexpected_status "status" is the HTTP status.
        JsonNode st = n.get("status");
        String processStatus = reason == PortNotReadyException.Reason.PROCESS_EXITED && st != null && st.isTextual()
                ? st.asText() : null;
        Integer exitCode = Json.optionalInteger(n, "exitCode");
        if (exitCode == null && processStatus != null) {
            Matcher m = EXIT_STATUS.matcher(processStatus);
            if (m.matches()) exitCode = Integer.valueOf(m.group(1));
        }
        Integer answered = reason == PortNotReadyException.Reason.UNEXPECTED_STATUS ? Json.optionalInteger(n, "status") : null;
        return new PortNotReadyException(status, reason, message, listening, Json.text(n, "address"), answered,
                Json.optionalInteger(n, "expected"), Json.optionalInteger(n, "pid"), exitCode, processStatus);
    }

    private static boolean isConnectCode(String code) {
        switch (code) {
            case "canceled": case "unknown": case "invalid_argument": case "deadline_exceeded": case "not_found":
            case "already_exists": case "permission_denied": case "resource_exhausted": case "failed_precondition":
            case "aborted": case "out_of_range": case "unimplemented": case "internal": case "unavailable":
            case "data_loss": case "unauthenticated":
                return true;
            default:
                return false;
        }
    }

    private static Duration seconds(String value) {
        try {
            return Duration.ofSeconds(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
