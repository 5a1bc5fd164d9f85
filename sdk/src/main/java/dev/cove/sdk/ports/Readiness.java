package dev.cove.sdk.ports;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.internal.Json;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How {@link Sandbox#expose} decides that a port is ready before it hands out the URL. The server checks through
 * its edge, from outside the sandbox, so a URL it returns is one that answers.
 * <ul>
 *   <li>{@link #tcp()} (the default): something listens and the edge connects;</li>
 *   <li>{@link #http(String)}: {@code GET <path>} through the edge answers with any status below 500;</li>
 *   <li>{@link #http(String, int)}: ... answers exactly that status.</li>
 * </ul>
 * {@link #of(WaitStrategy)} turns {@link Wait}'s strategies into these, so the checks a caller already uses with
 * {@link Sandbox#waitForPort} work for expose too.
 */
public final class Readiness {
    private final String type;
    private final String path;
    private final Integer status;
    private final Duration timeout;

    private Readiness(String type, String path, Integer status, Duration timeout) {
        this.type = type;
        this.path = path;
        this.status = status;
        this.timeout = timeout;
    }

    /** Ready once something listens on the port and the edge connects to it. */
    public static Readiness tcp() { return new Readiness("tcp", null, null, null); }

    /** Ready once {@code GET <path>} answers with any status below 500. */
    public static Readiness http(String path) { return new Readiness("http", checkPath(path), null, null); }

    /** Ready once {@code GET <path>} answers {@code status}. */
    public static Readiness http(String path, int status) {
        if (status < 100 || status > 599) throw new IllegalArgumentException("status must be 100..599, got " + status);
        return new Readiness("http", checkPath(path), status, null);
    }

    /**
     * The server-side form of a {@link Wait} strategy, with its startup timeout as the time to wait:
     * {@link Wait#forListeningPort()} is {@link #tcp()}; {@link Wait#forHttp(String)} is {@link #http(String, int)}
     * with the one status given by {@code forStatusCode} (200 when none, as {@code waitForPort} does).
     *
     * @throws IllegalArgumentException for a strategy of another kind, or an HTTP strategy accepting several statuses
     */
    public static Readiness of(WaitStrategy strategy) {
        Objects.requireNonNull(strategy, "strategy");
        if (strategy instanceof Wait.ListeningPortWaitStrategy) {
            return tcp().withTimeout(((Wait.ListeningPortWaitStrategy) strategy).timeout());
        }
        if (strategy instanceof Wait.HttpWaitStrategy) {
            Wait.HttpWaitStrategy h = (Wait.HttpWaitStrategy) strategy;
            Set<Integer> statuses = h.statuses();
            if (statuses.size() > 1) {
                throw new IllegalArgumentException("expose checks one HTTP status; the strategy accepts " + statuses
                        + " (use Readiness.http(path) for any status below 500)");
            }
            int status = statuses.isEmpty() ? 200 : statuses.iterator().next();
            return http(h.path(), status).withTimeout(h.timeout());
        }
        throw new IllegalArgumentException("expose's readiness check runs on the server and understands "
                + "Wait.forListeningPort() and Wait.forHttp(path); not " + strategy.getClass().getName());
    }

    /** How long the server waits for readiness (its default: 30 s; at most 300 s). */
    public Readiness withTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("readiness timeout must be positive: " + timeout);
        }
        return new Readiness(type, path, status, timeout);
    }

    /** {@code tcp} or {@code http}. */
    public String type() { return type; }

    /** The HTTP path, or null for tcp. */
    public String path() { return path; }

    /** The expected HTTP status, or null (tcp, or any status below 500). */
    public Integer status() { return status; }

    /** How long to wait, or null for the server's default. */
    public Duration timeout() { return timeout; }

    ObjectNode json() {
        ObjectNode n = Json.object();
        n.put("type", type);
        if (path != null) n.put("path", path);
        if (status != null) n.put("status", status);
        return n;
    }

    private static String checkPath(String path) {
        if (path == null || !path.startsWith("/")) throw new IllegalArgumentException("path must start with /: " + path);
        return path;
    }

    @Override
    public String toString() {
        return type + (path != null ? " " + path : "") + (status != null ? " " + status : "")
                + (timeout != null ? " within " + timeout : "");
    }
}
