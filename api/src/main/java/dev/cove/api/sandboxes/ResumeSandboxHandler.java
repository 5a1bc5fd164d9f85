package dev.cove.api.sandboxes;

import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.lifecycle.SandboxUptime;
import dev.cove.api.store.SandboxState;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;

/**
 * {@code POST /sandboxes/{sandboxID}/resume} (E2B's deprecated resume; connect does the same and more):
 * {@code {"timeout"?: 15}} → 201 {@code Sandbox}; 409 when the sandbox is running, 404 when unknown or ended.
 */
public final class ResumeSandboxHandler implements Handler {
    static final int DEFAULT_TIMEOUT_SECONDS = 15;
    private final SandboxService sandboxes;

    public ResumeSandboxHandler(SandboxService sandboxes) { this.sandboxes = sandboxes; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        JsonBody body = JsonBody.optional(req);
        int seconds = NewSandboxParser.checkCreateTimeout(body.int32("timeout"), DEFAULT_TIMEOUT_SECONDS, sandboxes.config());
        if (Boolean.TRUE.equals(body.bool("autoPause"))) {
            throw CoveException.badRequest("autoPause on resume is not supported; set it when creating the sandbox");
        }
        if (sandboxes.getLive(id).state() == SandboxState.RUNNING) {
            throw new CoveException(409, "conflict", "Sandbox \"" + id + "\" is already running");
        }
        SandboxUptime.Resumed r = sandboxes.uptime().resume(id, Duration.ofSeconds(seconds), true);
        Responses.json(res, 201, SandboxViews.sandbox(r.row(), sandboxes.config()));
    }
}
