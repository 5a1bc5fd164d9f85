package dev.cove.api.cluster;

import dev.cove.api.auth.ApiKeys;
import dev.cove.api.auth.RequireApiKey;
import dev.cove.api.http.TypedErrors;
import dev.cove.api.store.ClusterStore;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;

import java.time.Clock;

/** The cluster's nodes ({@code /nodes}, cluster mode only), behind {@code X-API-KEY}, with typed errors. */
public final class NodeRoutes {
    private NodeRoutes() {}

    public static void register(HttpRouting.Builder routing, ClusterStore rows, ApiKeys keys, Clock clock) {
        routing.get("/nodes", secured(keys, new ListNodesHandler(rows, clock)));
        routing.post("/nodes/{name}/drain", secured(keys, new DrainNodeHandler(rows, true)));
        routing.delete("/nodes/{name}/drain", secured(keys, new DrainNodeHandler(rows, false)));
    }

    private static Handler secured(ApiKeys keys, Handler handler) {
        return RequireApiKey.wrap(keys, TypedErrors.wrap(handler));
    }
}
