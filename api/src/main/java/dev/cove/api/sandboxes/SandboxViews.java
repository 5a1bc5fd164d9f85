package dev.cove.api.sandboxes;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.ApiConfig;
import dev.cove.api.Json;
import dev.cove.api.store.NetworkConfig;
import dev.cove.api.store.SandboxRecord;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of E2B's OpenAPI: {@code Sandbox} (create/connect), {@code SandboxDetail} (get) and
 * {@code ListedSandbox} (lists). Field names are E2B's, exactly. Optional fields Cove has no value for are left out
 * rather than sent as null.
 */
public final class SandboxViews {
    private SandboxViews() {}

    /** {@code Sandbox}: what create and connect return. */
    public static ObjectNode sandbox(SandboxRecord r, ApiConfig config) {
        ObjectNode n = Json.object();
        n.put("sandboxID", r.id());
        n.put("templateID", r.templateId());
        if (r.alias() != null) n.put("alias", r.alias());
        n.put("clientID", r.clientId());
        n.put("envdVersion", ApiConfig.ENVD_VERSION);
        if (r.envdAccessToken() != null) n.put("envdAccessToken", r.envdAccessToken());
        if (r.trafficAccessToken() != null) n.put("trafficAccessToken", r.trafficAccessToken());
        n.put("domain", config.domain());
        if (r.node() != null) n.put("node", r.node()); // Cove's extension in a cluster: the node that holds it
        return n;
    }

    /**
     * {@code SandboxDetail}: what {@code GET /sandboxes/{id}} returns. {@code network.allowPublicTraffic} is what the
     * edge does: the value the sandbox was created with, else whether its ports are public by default.
     */
    static ObjectNode detail(SandboxRecord r, ApiConfig config, boolean publicByDefault) {
        ObjectNode n = listed(r);
        if (r.envdAccessToken() != null) n.put("envdAccessToken", r.envdAccessToken());
        if (r.allowInternetAccess() != null) n.put("allowInternetAccess", r.allowInternetAccess());
        n.put("domain", config.domain());
        n.set("network", network(r.network() == null ? NetworkConfig.NONE : r.network(), publicByDefault));
        ObjectNode lifecycle = n.putObject("lifecycle");
        lifecycle.put("autoResume", r.autoResume());
        lifecycle.put("onTimeout", r.autoPause() ? "pause" : "kill");
        return n;
    }

    /** {@code ListedSandbox}: one item of the list endpoints. */
    static ObjectNode listed(SandboxRecord r) {
        ObjectNode n = Json.object();
        n.put("templateID", r.templateId());
        if (r.alias() != null) n.put("alias", r.alias());
        n.put("sandboxID", r.id());
        n.put("clientID", r.clientId());
        n.put("startedAt", rfc3339(r.startedAt()));
        n.put("endAt", rfc3339(r.endAt()));
        n.put("cpuCount", r.cpuCount());
        n.put("memoryMB", r.memoryMB());
        n.put("diskSizeMB", r.diskSizeMB());
        ObjectNode metadata = n.putObject("metadata");
        for (Map.Entry<String, String> e : r.metadata().entrySet()) metadata.put(e.getKey(), e.getValue());
        n.put("state", r.state().wire());
        n.put("envdVersion", ApiConfig.ENVD_VERSION);
        if (r.node() != null) n.put("node", r.node()); // Cove's extension in a cluster: the node that holds it
        return n;
    }

    static ArrayNode listedArray(List<SandboxRecord> rows) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (SandboxRecord r : rows) a.add(listed(r));
        return a;
    }

    static String rfc3339(Instant t) { return DateTimeFormatter.ISO_INSTANT.format(t); }

    private static ObjectNode network(NetworkConfig net, boolean publicByDefault) {
        ObjectNode n = Json.object();
        n.put("allowPublicTraffic", net.allowPublicTraffic() != null ? net.allowPublicTraffic() : publicByDefault);
        if (net.allowOut() != null) net.allowOut().forEach(n.putArray("allowOut")::add);
        if (net.denyOut() != null) net.denyOut().forEach(n.putArray("denyOut")::add);
        if (net.maskRequestHost() != null) n.put("maskRequestHost", net.maskRequestHost());
        return n;
    }
}
