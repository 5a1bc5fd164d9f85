package dev.cove.edge.metrics;


import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The edge's counters, rendered in the Prometheus text format. Hand-written: a few adders updated on event loops
 * (contention-free {@link LongAdder}s) are all the edge needs, without a metrics library on the hot path.
 */
public final class EdgeMetrics {
    /** Upper bounds of the dial-time histogram, in seconds. */
    private static final double[] DIAL_BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1, 5};

    public final AtomicLong connectionsOpen = new AtomicLong();
    public final LongAdder connectionsTotal = new LongAdder();
    public final LongAdder connectionsRefused = new LongAdder();
    public final AtomicLong webSocketsOpen = new AtomicLong();
    public final LongAdder webSocketsTotal = new LongAdder();
    /** Requests that woke a paused sandbox (autoResume) or waited for one to wake. */
    public final LongAdder wakes = new LongAdder();
    /** Set-Cookie headers of sandbox apps whose Domain attribute the edge removed (see {@code SandboxCookies}). */
    public final LongAdder cookiesHostOnly = new LongAdder();
    /** Set-Cookie headers of sandbox apps the edge dropped: they named Cove's own cookie. */
    public final LongAdder cookiesDropped = new LongAdder();
    /** Requests carrying a node-forward header that did not verify (forged, stale, or no cluster secret here). */
    public final LongAdder forgedForwards = new LongAdder();
    public final LongAdder bytesReceived = new LongAdder();
    public final LongAdder bytesSent = new LongAdder();
    /**
     * Request counts per target and status: an array, so the hot path neither builds strings nor hashes. Each slot is
     * an adder made on first use: one shared atomic per status would be a cache line every event loop fights over,
     * since almost every request lands on the same slot (sandbox, 200).
     */
    private static final String[] TARGETS = {"control_plane", "agent", "sandbox", "none"};
    private final AtomicReferenceArray<LongAdder> requests = new AtomicReferenceArray<>(TARGETS.length * 600);
    private final ConcurrentHashMap<String, LongAdder> edgeAnswers = new ConcurrentHashMap<>();
    private final LongAdder[] dialBuckets = new LongAdder[DIAL_BUCKETS.length];
    private final LongAdder dialCount = new LongAdder();
    private final LongAdder dialNanos = new LongAdder();

    public EdgeMetrics() {
        for (int i = 0; i < dialBuckets.length; i++) dialBuckets[i] = new LongAdder();
    }

    /**
     * One finished request.
     *
     * @param target   {@code control_plane}, {@code agent}, {@code sandbox} or {@code none} (refused before routing)
     * @param edgeCode the edge's machine code when it answered itself, else null
     */
    public void request(String target, int status, String edgeCode) {
        int t = switch (target) {
            case "control_plane" -> 0;
            case "agent" -> 1;
            case "sandbox" -> 2;
            default -> 3;
        };
        if (status >= 0 && status < 600) {
            int slot = t * 600 + status;
            LongAdder count = requests.get(slot);
            if (count == null) {
                requests.compareAndSet(slot, null, new LongAdder());
                count = requests.get(slot);
            }
            count.increment();
        }
        if (edgeCode != null) edgeAnswers.computeIfAbsent(edgeCode, k -> new LongAdder()).increment();
    }

    public void dialed(long nanos) {
        dialCount.increment();
        dialNanos.add(nanos);
        double seconds = nanos / 1e9;
        for (int i = 0; i < DIAL_BUCKETS.length; i++) {
            if (seconds <= DIAL_BUCKETS[i]) {
                dialBuckets[i].increment();
                break;
            }
        }
    }

    /** The Prometheus text exposition (version 0.0.4). */
    public String render() {
        StringBuilder out = new StringBuilder(2048);
        gauge(out, "cove_edge_connections_open", "Client connections open now.", connectionsOpen.get());
        counter(out, "cove_edge_connections_total", "Client connections accepted.", connectionsTotal.sum());
        counter(out, "cove_edge_connections_refused_total", "Requests refused by a connection limit (429).", connectionsRefused.sum());
        gauge(out, "cove_edge_websockets_open", "Upgraded connections (WebSocket and others) being relayed now.", webSocketsOpen.get());
        counter(out, "cove_edge_websockets_total", "Connections upgraded (101) through the edge.", webSocketsTotal.sum());
        counter(out, "cove_edge_wakes_total", "Requests held while a paused sandbox woke (autoResume).", wakes.sum());
        counter(out, "cove_edge_cookies_host_only_total", "Set-Cookie headers from sandbox apps made host-only (Domain removed).", cookiesHostOnly.sum());
        counter(out, "cove_edge_node_forwards_unverified_total", "Requests whose node-forward header did not verify (ignored).", forgedForwards.sum());
        counter(out, "cove_edge_cookies_dropped_total", "Set-Cookie headers from sandbox apps dropped (named like Cove's cookie).", cookiesDropped.sum());
        counter(out, "cove_edge_received_bytes_total", "Request body bytes received from clients (and upgraded bytes).", bytesReceived.sum());
        counter(out, "cove_edge_sent_bytes_total", "Response body bytes sent to clients (and upgraded bytes).", bytesSent.sum());

        out.append("# HELP cove_edge_requests_total Requests answered, by target and status.\n# TYPE cove_edge_requests_total counter\n");
        for (int t = 0; t < TARGETS.length; t++) {
            for (int status = 0; status < 600; status++) {
                LongAdder count = requests.get(t * 600 + status);
                long n = count == null ? 0 : count.sum();
                if (n > 0) {
                    out.append("cove_edge_requests_total{target=\"").append(TARGETS[t]).append("\",code=\"")
                            .append(status).append("\"} ").append(n).append('\n');
                }
            }
        }
        out.append("# HELP cove_edge_answers_total Requests the edge answered itself, by machine code.\n# TYPE cove_edge_answers_total counter\n");
        new TreeMap<>(snapshot(edgeAnswers)).forEach((code, n) ->
                out.append("cove_edge_answers_total{code=\"").append(code).append("\"} ").append(n).append('\n'));

        out.append("# HELP cove_edge_upstream_dial_seconds Time to connect the upstream leg.\n# TYPE cove_edge_upstream_dial_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i < DIAL_BUCKETS.length; i++) {
            cumulative += dialBuckets[i].sum();
            out.append("cove_edge_upstream_dial_seconds_bucket{le=\"").append(DIAL_BUCKETS[i]).append("\"} ").append(cumulative).append('\n');
        }
        long count = dialCount.sum();
        out.append("cove_edge_upstream_dial_seconds_bucket{le=\"+Inf\"} ").append(count).append('\n');
        out.append("cove_edge_upstream_dial_seconds_sum ").append(dialNanos.sum() / 1e9).append('\n');
        out.append("cove_edge_upstream_dial_seconds_count ").append(count).append('\n');
        return out.toString();
    }

    private static Map<String, Long> snapshot(ConcurrentHashMap<String, LongAdder> map) {
        Map<String, Long> copy = new TreeMap<>();
        map.forEach((k, v) -> copy.put(k, v.sum()));
        return copy;
    }

    private static void gauge(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(value).append('\n');
    }
}
