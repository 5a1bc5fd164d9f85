package dev.cove.api.sandboxes;

import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;

/**
 * {@code POST /sandboxes/{sandboxID}/refreshes} {@code {"duration"?: 0..3600}}: 204. Keeps the sandbox alive for
 * {@code duration} seconds more (default and minimum 15); only ever extends.
 */
public final class RefreshSandboxHandler implements Handler {
    static final int MIN_SECONDS = 15;
    static final int MAX_SECONDS = 3600;

    private final SandboxService sandboxes;

    public RefreshSandboxHandler(SandboxService sandboxes) { this.sandboxes = sandboxes; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        Integer duration = JsonBody.optional(req).int32("duration");
        if (duration != null && (duration < 0 || duration > MAX_SECONDS)) {
            throw CoveException.badRequest("Error when parsing request: field 'duration' must be between 0 and "
                    + MAX_SECONDS + " seconds, got " + duration);
        }
        int seconds = duration == null ? MIN_SECONDS : Math.max(MIN_SECONDS, duration);
        sandboxes.uptime().extend(id, Duration.ofSeconds(seconds));
        Responses.noContent(res);
    }
}
