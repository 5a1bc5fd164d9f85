package dev.cove.api.sandboxes;

import dev.cove.api.ApiConfig;
import dev.cove.api.metrics.MetricSample;
import dev.cove.core.runtime.SandboxUsage;

import java.util.LinkedHashMap;
import java.util.Map;

/** E2B's {@code SandboxMetric} body: every field its OpenAPI spec requires. */
final class MetricViews {
    private MetricViews() {}

    static Map<String, Object> metric(MetricSample s, ApiConfig config) {
        SandboxUsage u = s.usage();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("timestamp", s.at().toString());
        m.put("timestampUnix", s.epochSecond());
        m.put("cpuCount", u.cpuCount());
        m.put("cpuUsedPct", Math.round(u.cpuUsedPct() * 100) / 100.0);
        m.put("memUsed", u.memUsed());
        m.put("memTotal", u.memTotal());
        m.put("memCache", u.memCache());
        m.put("diskUsed", u.diskUsed());
        // a sandbox made before disks existed has no size of its own: the configured one is what it may fill
        m.put("diskTotal", u.diskTotal() > 0 ? u.diskTotal() : (long) config.diskSizeMB() << 20);
        return m;
    }
}
