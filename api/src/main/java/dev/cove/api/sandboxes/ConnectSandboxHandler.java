package dev.cove.api.sandboxes;

import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.store.SandboxRecord;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;

/**
 * {@code POST /sandboxes/{sandboxID}/connect} (v1, {@code {"timeout"}}; no timeout = no extension) and
 * {@code POST /v2/sandboxes/{sandboxID}/connect} (v2, {@code {"timeout"?: 300, "memory"?}}): 200 {@code Sandbox}
 * while running, extending {@code endAt} to now + timeout but never shortening it; 404 once gone (the SDK then
 * throws SandboxNotFoundError). Resuming paused sandboxes (201) comes with pause.
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
        body.bool("memory"); // type-checked; only matters when resuming a paused sandbox
        int seconds = timeout != null ? timeout : version == NewSandboxParser.Version.V1 ? 0
                : (int) Math.min(300, sandboxes.config().maxSandboxLength().toSeconds());
        if (seconds < 0) throw CoveException.badRequest("Timeout must not be negative");
        NewSandboxParser.checkNotAboveMax(seconds, sandboxes.config());
        SandboxRecord row = seconds == 0 ? sandboxes.getLive(id) : sandboxes.extend(id, Duration.ofSeconds(seconds));
        Responses.json(res, 200, SandboxViews.sandbox(row, sandboxes.config()));
    }
}
