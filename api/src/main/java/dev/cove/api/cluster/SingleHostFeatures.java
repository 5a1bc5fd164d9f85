package dev.cove.api.cluster;

import dev.cove.api.auth.ApiKeys;
import dev.cove.api.auth.RequireApiKey;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;

/**
 * What a cluster node refuses, for now, because it stands on files only one node has: template builds and snapshots
 * (and forks) are layers under that node's template directory, and a create placed on another node would not find
 * them. Rather than fail later with a missing layer, every such call answers 501 {@code cluster_unsupported} with a
 * sentence that says why and what works instead (the nodes' own templates, such as {@code base}).
 */
public final class SingleHostFeatures {
    private SingleHostFeatures() {}

    public static void refuse(HttpRouting.Builder routing, ApiKeys keys) {
        Handler templates = refusal("Template builds");
        routing.post("/v3/templates", RequireApiKey.wrap(keys, templates));
        routing.post("/v2/templates/{templateID}/builds/{buildID}", RequireApiKey.wrap(keys, templates));
        routing.get("/templates/{templateID}/builds/{buildID}/status", RequireApiKey.wrap(keys, templates));
        routing.get("/templates/{templateID}/files/{hash}", RequireApiKey.wrap(keys, templates));
        routing.put("/templates/{templateID}/files/{hash}", RequireApiKey.wrap(keys, templates));
        routing.get("/templates", RequireApiKey.wrap(keys, templates));
        routing.get("/templates/{templateID}", RequireApiKey.wrap(keys, templates));
        routing.delete("/templates/{templateID}", RequireApiKey.wrap(keys, templates));
        Handler snapshots = refusal("Snapshots and forks");
        routing.post("/sandboxes/{sandboxID}/snapshots", RequireApiKey.wrap(keys, snapshots));
        routing.get("/snapshots", RequireApiKey.wrap(keys, snapshots));
        routing.post("/sandboxes/{sandboxID}/fork", RequireApiKey.wrap(keys, snapshots));
    }

    private static Handler refusal(String feature) {
        return (req, res) -> {
            throw new CoveException(501, "cluster_unsupported", feature + " are not available in cluster mode yet: their"
                    + " layers live on the one node that made them. Use a node's own templates (such as base), or run"
                    + " one host (without --store postgresql://…) to build templates and take snapshots.");
        };
    }
}
