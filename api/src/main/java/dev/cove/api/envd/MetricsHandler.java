package dev.cove.api.envd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.Json;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.core.runtime.SandboxUsage;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Instant;

/** {@code GET /metrics}: envd's resource usage body (CPU, memory, disk) from the runtime's cgroup and disk figures. */
final class MetricsHandler implements AgentHandler {
    private final SandboxService sandboxes;
    private final SandboxRuntime runtime;

    MetricsHandler(SandboxService sandboxes, SandboxRuntime runtime) {
        this.sandboxes = sandboxes;
        this.runtime = runtime;
    }

    @Override
    public void handle(SandboxAccess sandbox, ServerRequest req, ServerResponse res) {
        SandboxUsage u = runtime.usage(sandbox.sandboxId());
        long diskTotal = u.diskTotal() > 0 ? u.diskTotal() : (long) sandboxes.config().diskSizeMB() << 20;
        ObjectNode body = Json.object();
        body.put("ts", Instant.now().getEpochSecond());
        body.put("cpu_count", u.cpuCount());
        body.put("cpu_used_pct", Math.round(u.cpuUsedPct() * 100) / 100.0);
        body.put("mem_total", u.memTotal());
        body.put("mem_used", u.memUsed());
        body.put("mem_cache", u.memCache());
        body.put("mem_total_mib", u.memTotal() >> 20);
        body.put("mem_used_mib", u.memUsed() >> 20);
        body.put("disk_used", u.diskUsed());
        body.put("disk_total", diskTotal);
        Responses.json(res, 200, body);
    }
}
