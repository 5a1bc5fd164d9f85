package dev.cove.api.snapshots;

import dev.cove.api.auth.ApiKeys;
import dev.cove.api.auth.RequireApiKey;
import dev.cove.api.lifecycle.SandboxService;
import io.helidon.webserver.http.HttpRouting;

/**
 * The snapshot and fork endpoints, each behind {@code X-API-KEY}. Deleting a snapshot is E2B's
 * {@code DELETE /templates/{templateID}}, the templates package's handler, which asks {@link SnapshotService} (as the
 * lifecycle's {@link dev.cove.api.lifecycle.SnapshotCatalog}) first.
 */
public final class SnapshotRoutes {
    private SnapshotRoutes() {}

    public static void register(HttpRouting.Builder routing, SnapshotService snapshots, SandboxService sandboxes,
                                ApiKeys keys) {
        routing.post("/sandboxes/{sandboxID}/snapshots", RequireApiKey.wrap(keys, new CreateSnapshotHandler(snapshots)));
        routing.get("/snapshots", RequireApiKey.wrap(keys, new ListSnapshotsHandler(snapshots)));
        routing.post("/sandboxes/{sandboxID}/fork", RequireApiKey.wrap(keys, new ForkSandboxHandler(snapshots, sandboxes)));
    }
}
