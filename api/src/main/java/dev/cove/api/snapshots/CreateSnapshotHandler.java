package dev.cove.api.snapshots;

import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import dev.cove.api.sandboxes.SandboxPaths;
import dev.cove.api.store.SnapshotRecord;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /sandboxes/{sandboxID}/snapshots} with optional {@code {"name": ...}}: 201 {@code SnapshotInfo}. The
 * sandbox is frozen while its files are copied and runs on after; the snapshot carries its file system only.
 */
final class CreateSnapshotHandler implements Handler {
    private final SnapshotService snapshots;

    CreateSnapshotHandler(SnapshotService snapshots) { this.snapshots = snapshots; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        String name = JsonBody.optional(req).string("name");
        SnapshotRecord s = snapshots.create(id, name);
        SnapshotViews.contentsHeader(res);
        Responses.json(res, 201, SnapshotViews.info(s));
    }
}
