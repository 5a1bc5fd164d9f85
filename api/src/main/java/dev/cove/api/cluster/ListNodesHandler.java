package dev.cove.api.cluster;

import dev.cove.api.http.Responses;
import dev.cove.api.store.ClusterStore;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /nodes} (Cove, cluster mode): {@code [{name, url, state, draining, leaseExpiresAt, sandboxes}]}, where
 * {@code state} is {@code live}, {@code lapsed} (its lease ended; the leader declares it lost within seconds) or
 * {@code lost}, and {@code sandboxes} counts its live ones.
 */
final class ListNodesHandler implements Handler {
    private final ClusterStore rows;
    private final Clock clock;

    ListNodesHandler(ClusterStore rows, Clock clock) {
        this.rows = rows;
        this.clock = clock;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        Instant now = clock.instant();
        Map<String, Integer> live = rows.liveSandboxesPerNode();
        List<Map<String, Object>> view = rows.nodes().stream().map(n -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", n.name());
            m.put("url", n.url());
            m.put("state", n.lostAt() != null ? "lost" : n.expiresAt().isAfter(now) ? "live" : "lapsed");
            m.put("draining", n.draining());
            m.put("leaseExpiresAt", n.expiresAt().toString());
            m.put("sandboxes", live.getOrDefault(n.name(), 0));
            return m;
        }).toList();
        Responses.json(res, 200, view);
    }
}
