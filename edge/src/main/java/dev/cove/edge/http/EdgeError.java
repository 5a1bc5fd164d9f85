package dev.cove.edge.http;

import dev.cove.edge.upstream.UpstreamRefusal;

import dev.cove.core.CoveException;
import dev.cove.core.routing.SandboxRoute;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An answer the edge gives itself instead of proxying.
 *
 * @param status    HTTP status
 * @param code      stable machine code ({@code sandbox_not_found}, ...)
 * @param message   a sentence a person understands; never a secret, never a stack trace
 * @param sandboxId the sandbox the request named, or null
 * @param port      the port the request named, or null
 * @param details   further fields of the JSON body, in order (e.g. {@code endedAt}, {@code reason})
 * @param style     which wire shape the body takes
 */
public record EdgeError(int status, String code, String message, String sandboxId, Integer port,
                 Map<String, Object> details, Style style) {

    public enum Style {
        /** Cove's shape: {@code {"sandboxId","port","code":"<machine code>","message",...}}, or an HTML page for browsers. */
        TYPED,
        /** E2B's proxy shape {@code {"sandboxId","message","code":<status>}}: the official SDK reads it on the agent port. */
        E2B,
        /** Plain text, as E2B's proxy answers requests it cannot even parse. */
        PLAIN
    }

    public EdgeError {
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    public static EdgeError typed(CoveException e, String sandboxId, Integer port) {
        Map<String, Object> details = e instanceof UpstreamRefusal refusal ? refusal.details() : null;
        return new EdgeError(e.status(), e.code(), e.getMessage(), sandboxId, port, details, Style.TYPED);
    }

    public static EdgeError plain(CoveException e) {
        return new EdgeError(e.status(), e.code(), e.getMessage(), null, null, null, Style.PLAIN);
    }

    public static EdgeError sandboxNotFound(String sandboxId, int port) {
        return new EdgeError(404, "sandbox_not_found", "There is no sandbox " + sandboxId
                + " on this Cove server. Check the id (Sandbox.list() shows the sandboxes that exist).",
                sandboxId, port, null, Style.TYPED);
    }

    public static EdgeError sandboxEnded(SandboxRoute route, int port) {
        String reason = route.endReason() == null ? "ended" : route.endReason();
        String how = switch (reason) {
            case "timeout" -> "reached its timeout";
            case "killed" -> "was killed";
            case "node_lost" -> "ended with its node (the cluster lost the node that held it)";
            default -> "ended";
        };
        Map<String, Object> details = new LinkedHashMap<>();
        if (route.endedAt() != null) details.put("endedAt", route.endedAt().toString());
        details.put("reason", reason);
        return new EdgeError(410, "sandbox_ended", "Sandbox " + route.sandboxId() + " " + how
                + (route.endedAt() == null ? "" : " at " + route.endedAt())
                + " and no longer exists. Create a new sandbox; to keep one longer, extend it with setTimeout before it ends.",
                route.sandboxId(), port, details, Style.TYPED);
    }

    public static EdgeError sandboxPaused(String sandboxId, int port) {
        return new EdgeError(409, "sandbox_paused", "Sandbox " + sandboxId
                + " is paused. Resume it (Sandbox.connect) and try again.", sandboxId, port, null, Style.TYPED);
    }

    /** A paused sandbox (autoResume) did not come back in time to serve the held request. */
    public static EdgeError wakeTimedOut(String sandboxId, Integer port, long seconds) {
        return new EdgeError(504, "wake_timeout", "Sandbox " + sandboxId + " is paused and did not wake within " + seconds
                + " s. Try again; if it persists, resume it with Sandbox.connect and check the server's log.",
                sandboxId, port, null, Style.TYPED);
    }

    /** The agent port of a sandbox that is not running: E2B's exact answer, which the SDKs turn into "not running". */
    public static EdgeError agentSandboxNotFound(String sandboxId) {
        return new EdgeError(502, "sandbox_not_found", "The sandbox was not found", sandboxId, null, null, Style.E2B);
    }

    public static EdgeError upstreamFailed(String sandboxId, Integer port) {
        String message;
        if (sandboxId == null) {
            message = "The Cove control plane did not answer. Try again in a moment; if it persists, check the server's log.";
        } else if (port == null || port == dev.cove.core.routing.SandboxHost.AGENT_PORT) {
            message = "The agent of sandbox " + sandboxId + " did not answer. Try again in a moment; if it persists, check the server's log.";
        } else {
            message = "The server on port " + port + " of sandbox " + sandboxId + " closed the connection before it "
                    + "answered (it may have crashed or been stopped). Check its output, then try again.";
        }
        return new EdgeError(502, "upstream_failed", message, sandboxId, port, null, Style.TYPED);
    }

    /**
     * The upstream answered with something that is not valid HTTP/1.x, which the edge does not pass on: a client could
     * read its framing differently from the edge (see {@link ResponseHead}).
     */
    public static EdgeError upstreamInvalidResponse(String sandboxId, Integer port, String why) {
        String who = sandboxId == null ? "The Cove control plane"
                : port == null || port == dev.cove.core.routing.SandboxHost.AGENT_PORT ? "The agent of sandbox " + sandboxId
                : "The server on port " + port + " of sandbox " + sandboxId;
        return new EdgeError(502, "upstream_invalid_response", who + " sent a response that is not valid HTTP/1.1 (" + why
                + "), so Cove did not pass it on. Fix how the server writes its response headers, then try again.",
                sandboxId, port, null, Style.TYPED);
    }

    /**
     * A gRPC request (HTTP/2 end to end) reached a port whose server did not answer in HTTP/2: it closed the connection
     * without its HTTP/2 settings (an HTTP/1.1-only server answers the connection preface with an error).
     */
    public static EdgeError upstreamNotHttp2(String sandboxId, int port) {
        return new EdgeError(502, "upstream_not_http2", "The server on port " + port + " of sandbox " + sandboxId
                + " did not answer in HTTP/2. gRPC requests go to the port over HTTP/2 without TLS (h2c, prior knowledge):"
                + " serve gRPC on this port in plaintext (for example grpc-go or grpc-java with plaintext), not behind TLS"
                + " or HTTP/1.1.", sandboxId, port, null, Style.TYPED);
    }

    /** Too many connections (per sandbox or in total): the client may retry after {@code retryAfterSeconds}. */
    public static EdgeError rateLimited(String sandboxId, Integer port, String message, int limit, int retryAfterSeconds) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("connectionLimit", limit);
        details.put("retryAfter", retryAfterSeconds);
        return new EdgeError(429, "rate_limited", message, sandboxId, port, details, Style.TYPED);
    }

    /** The request's header did not arrive in time (a slow or stalled client, or a slowloris attack). */
    public static EdgeError headerTimeout(long seconds) {
        return new EdgeError(408, "request_timeout", "The request's header did not arrive within " + seconds
                + " s. Send the whole header at once and try again.", null, null, null, Style.TYPED);
    }

    /** E2B's traffic access token (network.allowPublicTraffic=false): E2B's messages, Cove's typed shape. */
    public static EdgeError trafficToken(String sandboxId, int port, boolean missing) {
        String message = missing
                ? "Sandbox is secured with traffic access token. Token header 'e2b-traffic-access-token' is missing"
                : "Sandbox is secured with traffic access token. Provided token in header 'e2b-traffic-access-token' is invalid";
        return new EdgeError(403, missing ? "token_required" : "token_invalid", message, sandboxId, port, null, Style.TYPED);
    }

    static EdgeError headerTooLarge(int maxHeaderSize) {
        return new EdgeError(431, "request_header_too_large", "The request's headers are larger than this server accepts ("
                + maxHeaderSize + " bytes). Send fewer or smaller headers or cookies.", null, null, null, Style.TYPED);
    }

    /** A request the HTTP decoder could not read: why, as the client can fix it. */
    public static EdgeError malformed(Throwable cause, int maxHeaderSize) {
        if (cause instanceof TooLongHttpHeaderException) return headerTooLarge(maxHeaderSize);
        if (cause instanceof TooLongHttpLineException) {
            return new EdgeError(414, "uri_too_long", "The request line is too long. Send long data in the body instead.",
                    null, null, null, Style.TYPED);
        }
        return badRequest("The request is not valid HTTP: " + cause.getMessage());
    }

    static EdgeError badRequest(String message) {
        return new EdgeError(400, "bad_request", message, null, null, null, Style.TYPED);
    }

    /**
     * A host name that is not this edge's (neither under its domain nor localhost or an IP): the client or someone's DNS
     * sent it here by mistake, or on purpose (DNS rebinding). 421 tells a client that this server does not serve the name.
     */
    public static EdgeError misdirected(String hostname, String domain) {
        String shown = hostname.length() > 100 ? hostname.substring(0, 100) + "..." : hostname;
        return new EdgeError(421, "misdirected_request", "This Cove server does not serve the host " + shown
                + ". It answers only names under " + domain + " (<port>-<sandbox id>." + domain + ", api." + domain
                + "), localhost and IP addresses. Use the URL Cove gave you.", null, null,
                Map.of("host", shown), Style.TYPED);
    }

    public static EdgeError internal(String sandboxId, Integer port) {
        return new EdgeError(500, "internal_error", "The edge could not route this request. Try again; if it persists, "
                + "check the server's log.", sandboxId, port, null, Style.TYPED);
    }

    /** Heading of the HTML page. */
    String title() {
        return switch (code) {
            case "sandbox_not_found" -> "Sandbox Not Found";
            case "sandbox_ended" -> "Sandbox Ended";
            case "sandbox_paused" -> "Sandbox Paused";
            case "wake_timeout" -> "Sandbox Did Not Wake";
            case "token_required" -> status == 401 ? "Private Port" : "Missing Traffic Access Token";
            case "token_expired" -> "Link Expired";
            case "link_revoked" -> "Link Revoked";
            case "exposure_expired" -> "Port No Longer Exposed";
            case "port_not_listening" -> "Port Not Reachable";
            case "upstream_failed" -> "Upstream Failed";
            case "upstream_invalid_response" -> "Invalid Response From The Server";
            case "request_header_too_large" -> "Request Header Fields Too Large";
            case "rate_limited" -> "Too Many Connections";
            case "request_timeout" -> "Request Timeout";
            case "cross_origin_refused" -> "Cross-Origin Request Refused";
            case "misdirected_request" -> "Misdirected Request";
            case "http_version_not_supported" -> "HTTP Version Not Supported";
            case "uri_too_long" -> "Request Line Too Long";
            case "token_invalid" -> message.contains("e2b-traffic-access-token") ? "Invalid Traffic Access Token" : "Invalid Token";
            default -> "Request Failed";
        };
    }
}
