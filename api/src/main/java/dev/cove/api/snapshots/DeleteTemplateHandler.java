package dev.cove.api.snapshots;

import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code DELETE /templates/{templateID}} (the SDK's {@code deleteSnapshot}) for snapshot ids and names: 204, or 409
 * while sandboxes made from the snapshot live. The node's templates cannot be deleted through the API (501); anything
 * else is 404, which the SDK reads as "not found" ({@code false}).
 */
final class DeleteTemplateHandler implements Handler {
    private final SnapshotService snapshots;
    private final SandboxService sandboxes;

    DeleteTemplateHandler(SnapshotService snapshots, SandboxService sandboxes) {
        this.snapshots = snapshots;
        this.sandboxes = sandboxes;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String ref = req.path().pathParameters().first("templateID").orElse("");
        if (snapshots.delete(ref)) {
            Responses.noContent(res);
            return;
        }
        if (sandboxes.knowsTemplate(ref))
            throw new CoveException(501, "not_implemented", "Deleting templates is not implemented by Cove yet");
        throw CoveException.notFound("template_not_found", "template '" + ref + "' not found");
    }
}
