package dev.cove.api.sandboxes;

import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.lifecycle.SandboxUptime;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;

/**
 * {@code POST /sandboxes/{sandboxID}/connect} (v1, {@code {"timeout"}}; no timeout = no extension) and
 * {@code POST /v2/sandboxes/{sandboxID}/connect} (v2, {@code {"timeout"?: 300, "memory"?}}): 200 {@code Sandbox}
 * while running, extending {@code endAt} to now + timeout but never shortening it; 404 once gone (the SDK then
 * throws SandboxNotFoundError). A paused sandbox is resumed and runs for the timeout from now: 201. v2's
 * {@code memory: false} restarts a sandbox paused with its memory instead of thawing it.
 */
public final class ConnectSandboxHandler implements Handler {
    private final SandboxService sandboxes;
    private final NewSandboxParser.Version version;

    private ConnectSandboxHandler(SandboxService sandboxes, NewSandboxParser.Version version) {
        this.sandboxes = sandboxes;
        this.version = version;
    }

    public static ConnectSandboxHandler v1(SandboxService sandboxes) {
        return new ConnectSandboxHandler(sandboxes, NewSandboxParser.Version.V1);
    }

    public static ConnectSandboxHandler v2(SandboxService sandboxes) {
        return new ConnectSandboxHandler(sandboxes, NewSandboxParser.Version.V2);
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        JsonBody body = JsonBody.optional(req);
        Integer timeout = body.int32("timeout");
        Boolean memory = body.bool("memory"); // only matters when resuming a paused sandbox
        int seconds = timeout != null ? timeout : version == NewSandboxParser.Version.V1 ? 0
                : (int) Math.min(300, sandboxes.config().maxSandboxLength().toSeconds());
        if (seconds < 0) throw CoveException.badRequest("Timeout must not be negative");
        NewSandboxParser.checkNotAboveMax(seconds, sandboxes.config());
        SandboxRecord current = sandboxes.getLive(id);
        if (current.state() == SandboxState.PAUSED) {
            // v1 without a timeout resumes for E2B's v1 default, not for zero seconds
            int resumeFor = seconds > 0 ? seconds : ResumeSandboxHandler.DEFAULT_TIMEOUT_SECONDS;
            SandboxUptime.Resumed r =
                    sandboxes.uptime().resume(id, Duration.ofSeconds(resumeFor), memory == null || memory);
            Responses.json(res, r.wasPaused() ? 201 : 200, SandboxViews.sandbox(r.row(), sandboxes.config()));
            return;
        }
        SandboxRecord row = seconds == 0 ? current : sandboxes.uptime().extend(id, Duration.ofSeconds(seconds));
        Responses.json(res, 200, SandboxViews.sandbox(row, sandboxes.config()));
    }
}
