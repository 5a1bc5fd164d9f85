package dev.cove.api.templates;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.ApiConfig;
import dev.cove.api.Json;
import dev.cove.api.store.BuildRecord;
import dev.cove.api.store.TemplateRecord;

import java.time.Instant;
import java.util.List;

/**
 * E2B's JSON shapes for templates: {@code TemplateRequestResponseV3}, {@code TemplateBuildInfo}, {@code Template}
 * (list), {@code TemplateWithBuilds} (get) and {@code TemplateBuild}. Cove adds {@code layersBytes} (the disk its
 * layers take on the node) to a template.
 */
final class TemplateViews {
    private TemplateViews() {}

    static ObjectNode requested(TemplateService.Requested r) {
        ObjectNode n = Json.object();
        n.put("templateID", r.template().id());
        n.put("buildID", r.build().id());
        n.set("names", strings(List.of(r.template().name())));
        n.set("aliases", strings(List.of(r.template().name())));
        n.set("tags", strings(r.build().tags()));
        n.put("public", false);
        return n;
    }

    static ObjectNode status(TemplateService.Status s) {
        ObjectNode n = Json.object();
        n.put("buildID", s.build().id());
        n.put("templateID", s.build().templateId());
        n.put("status", s.build().status());
        ArrayNode entries = n.putArray("logEntries");
        ArrayNode logs = n.putArray("logs");
        for (BuildLog.Entry e : s.entries()) {
            ObjectNode o = entries.addObject();
            o.put("timestamp", e.timestamp());
            o.put("level", e.level());
            o.put("message", e.message());
            if (e.step() != null) o.put("step", e.step());
            logs.add(e.message());
        }
        if (s.reasonMessage() != null && s.build().status().equals("error")) {
            ObjectNode reason = n.putObject("reason");
            reason.put("message", s.reasonMessage());
            if (s.reasonStep() != null) reason.put("step", s.reasonStep());
            reason.putArray("logEntries");
        }
        return n;
    }

    static ObjectNode template(TemplateRecord t, List<BuildRecord> builds, long layersBytes, ApiConfig config) {
        ObjectNode n = Json.object();
        n.put("templateID", t.id());
        BuildRecord latest = builds.isEmpty() ? null : builds.getFirst();
        n.put("buildID", t.readyBuildId() != null ? t.readyBuildId() : latest != null ? latest.id() : "");
        n.put("buildStatus", latest == null ? "waiting" : latest.status());
        n.put("buildCount", builds.size());
        n.put("cpuCount", t.cpuCount());
        n.put("memoryMB", t.memoryMB());
        n.put("diskSizeMB", config.diskSizeMB());
        n.put("envdVersion", ApiConfig.ENVD_VERSION);
        n.put("public", false);
        n.set("aliases", strings(List.of(t.name())));
        n.set("names", strings(List.of(t.name())));
        n.put("createdAt", time(t.createdAt()));
        n.put("updatedAt", time(t.updatedAt()));
        n.putNull("createdBy");
        n.putNull("lastSpawnedAt");
        n.put("spawnCount", 0);
        n.put("layersBytes", layersBytes);
        return n;
    }

    static ObjectNode withBuilds(TemplateRecord t, List<BuildRecord> builds, long layersBytes, ApiConfig config) {
        ObjectNode n = template(t, builds, layersBytes, config);
        ArrayNode list = n.putArray("builds");
        for (BuildRecord b : builds) {
            ObjectNode o = list.addObject();
            o.put("buildID", b.id());
            o.put("status", b.status());
            o.put("createdAt", time(b.createdAt()));
            o.put("updatedAt", time(b.updatedAt()));
            if (b.finishedAt() != null) o.put("finishedAt", time(b.finishedAt()));
            o.put("cpuCount", t.cpuCount());
            o.put("memoryMB", t.memoryMB());
            o.put("envdVersion", ApiConfig.ENVD_VERSION);
        }
        return n;
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        values.forEach(a::add);
        return a;
    }

    private static String time(Instant at) { return at == null ? null : at.toString(); }
}
