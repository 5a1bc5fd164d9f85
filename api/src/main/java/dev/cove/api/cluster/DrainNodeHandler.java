package dev.cove.api.cluster;

import dev.cove.api.http.Responses;
import dev.cove.api.store.ClusterStore;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /nodes/{name}/drain} and {@code DELETE /nodes/{name}/drain} (Cove, cluster mode): placement stops (or
 * starts again) putting new sandboxes on the node; the ones it holds keep running. 204, or 404 {@code node_not_found}.
 */
final class DrainNodeHandler implements Handler {
    private final ClusterStore rows;
    private final boolean draining;

    DrainNodeHandler(ClusterStore rows, boolean draining) {
        this.rows = rows;
        this.draining = draining;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        if (!rows.setDraining(name, draining)) {
            throw CoveException.notFound("node_not_found", "There is no node \"" + name + "\" in this cluster (GET /nodes lists them)");
        }
        Responses.noContent(res);
    }
}
