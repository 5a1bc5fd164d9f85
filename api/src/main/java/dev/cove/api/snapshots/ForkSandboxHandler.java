package dev.cove.api.snapshots;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.Json;
import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.sandboxes.SandboxPaths;
import dev.cove.api.sandboxes.SandboxViews;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.List;

/**
 * {@code POST /sandboxes/{sandboxID}/fork} with {@code {"timeout"?: seconds = 15, "count"?: 1..100 = 1}}: 201
 * {@code [{sandbox: Sandbox} | {error: {code, message}}]}, one entry per fork, each started or failed on its own. 404
 * (the SDK's {@code SandboxNotFoundError}) for an unknown or ended sandbox. Forks carry the file system, not processes.
 */
final class ForkSandboxHandler implements Handler {
    /** E2B's default for {@code timeout} (seconds) when the body has none. */
    static final int DEFAULT_TIMEOUT_SECONDS = 15;
    private final SnapshotService snapshots;
    private final SandboxService sandboxes;

    ForkSandboxHandler(SnapshotService snapshots, SandboxService sandboxes) {
        this.snapshots = snapshots;
        this.sandboxes = sandboxes;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        JsonBody body = JsonBody.optional(req);
        int count = SnapshotService.count(body.int32("count"));
        Integer seconds = body.int32("timeout");
        int timeout = seconds == null ? DEFAULT_TIMEOUT_SECONDS : seconds;
        if (timeout <= 0) throw CoveException.badRequest("Timeout must be greater than 0");
        Duration capped = Duration.ofSeconds(timeout);
        if (capped.compareTo(sandboxes.config().maxSandboxLength()) > 0) capped = sandboxes.config().maxSandboxLength();
        List<SnapshotService.ForkResult> results = snapshots.fork(id, count, capped);
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (SnapshotService.ForkResult r : results) {
            ObjectNode item = out.addObject();
            if (r.sandbox() != null) {
                item.set("sandbox", SandboxViews.sandbox(r.sandbox(), sandboxes.config()));
            } else {
                ObjectNode error = item.putObject("error");
                error.put("code", r.error().status());
                error.put("message", r.error().getMessage());
            }
        }
        SnapshotViews.contentsHeader(res);
        Responses.json(res, 201, out);
    }
}
