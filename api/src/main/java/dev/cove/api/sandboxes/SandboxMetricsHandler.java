package dev.cove.api.sandboxes;

import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.metrics.MetricsSampler;
import dev.cove.api.store.SandboxRecord;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Optional;

/**
 * {@code GET /sandboxes/{sandboxID}/metrics?start=&end=}: the sandbox's samples whose second lies in
 * {@code [start, end]} (Unix seconds, both optional: from its start until now), oldest first, as
 * {@code [SandboxMetric]}. 400 for a bound that is not a whole non-negative number or a start after the end, 404 for
 * a sandbox that is unknown or has ended. A paused sandbox answers what it had before it paused.
 */
public final class SandboxMetricsHandler implements Handler {
    private final SandboxService sandboxes;
    private final MetricsSampler sampler;

    public SandboxMetricsHandler(SandboxService sandboxes, MetricsSampler sampler) {
        this.sandboxes = sandboxes;
        this.sampler = sampler;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        Optional<Long> start = second(req, "start");
        Optional<Long> end = second(req, "end");
        SandboxRecord row = sandboxes.getLive(id);
        long from = start.orElse(row.startedAt().getEpochSecond());
        long to = end.orElse(sandboxes.clock().instant().getEpochSecond());
        if (from > to) {
            throw CoveException.badRequest("error validating time range: start time cannot be after end time");
        }
        Responses.json(res, 200, sampler.range(id, from, to).stream()
                .map(s -> MetricViews.metric(s, sandboxes.config())).toList());
    }

    private static Optional<Long> second(ServerRequest req, String name) {
        Optional<String> raw = req.query().first(name).asOptional();
        if (raw.isEmpty()) return Optional.empty();
        long v;
        try {
            v = Long.parseLong(raw.get().strip());
        } catch (NumberFormatException e) {
            throw CoveException.badRequest("Invalid format for parameter " + name
                    + ": expected a Unix time in whole seconds");
        }
        if (v < 0) {
            throw CoveException.badRequest("Invalid parameter " + name + ": a Unix time must be at least 0");
        }
        return Optional.of(v);
    }
}
