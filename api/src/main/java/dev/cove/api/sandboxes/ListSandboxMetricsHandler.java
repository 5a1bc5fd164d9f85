package dev.cove.api.sandboxes;

import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.metrics.MetricsSampler;
import dev.cove.core.CoveException;
import dev.cove.core.SandboxId;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /sandboxes/metrics?sandbox_ids=a,b}: the newest sample of each named sandbox that lives and has one,
 * as {@code {"sandboxes": {id: SandboxMetric}}}; others are left out. 400 without ids or with more than 100.
 */
public final class ListSandboxMetricsHandler implements Handler {
    static final int MAX_IDS = 100;

    private final SandboxService sandboxes;
    private final MetricsSampler sampler;

    public ListSandboxMetricsHandler(SandboxService sandboxes, MetricsSampler sampler) {
        this.sandboxes = sandboxes;
        this.sampler = sampler;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        Set<String> ids = new LinkedHashSet<>();
        for (String value : req.query().all("sandbox_ids", List::of)) {
            Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(ids::add);
        }
        if (ids.isEmpty()) throw CoveException.badRequest("Query argument sandbox_ids is required, but not found");
        if (ids.size() > MAX_IDS) {
            throw CoveException.badRequest("Too many sandboxes requested, maximum is " + MAX_IDS);
        }
        Map<String, Object> found = new LinkedHashMap<>();
        for (String raw : ids) {
            String id;
            try {
                id = SandboxId.parse(raw);
            } catch (CoveException e) {
                continue; // not an id: no such sandbox, left out as unknown ones are
            }
            if (sandboxes.find(id).filter(r -> r.state().isLive()).isEmpty()) continue;
            sampler.latest(id).ifPresent(s -> found.put(id, MetricViews.metric(s, sandboxes.config())));
        }
        Responses.json(res, 200, Map.of("sandboxes", found));
    }
}
