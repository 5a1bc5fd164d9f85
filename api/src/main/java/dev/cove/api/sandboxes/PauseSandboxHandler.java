package dev.cove.api.sandboxes;

import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /sandboxes/{sandboxID}/pause} {@code {"memory"?: true}}: 204. {@code memory: true} (the default) freezes
 * every process where it is; {@code false} ends them and keeps the file system (resume starts the sandbox afresh on
 * it). Memory is never written to disk: checkpointing (CRIU) does not work on the kernels Cove runs on. 409 when
 * already paused (the SDK then returns false), 404 when unknown or ended.
 */
public final class PauseSandboxHandler implements Handler {
    private final SandboxService sandboxes;

    public PauseSandboxHandler(SandboxService sandboxes) { this.sandboxes = sandboxes; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        Boolean memory = JsonBody.optional(req).bool("memory");
        sandboxes.uptime().pause(id, memory == null || memory);
        Responses.noContent(res);
    }
}
