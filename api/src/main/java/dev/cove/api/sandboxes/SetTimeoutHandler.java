package dev.cove.api.sandboxes;

import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /sandboxes/{sandboxID}/timeout} {@code {"timeout": seconds}}: 204. Sets
 * {@code endAt = now + min(timeout, maxLength - elapsed)}; may shorten; 0 or less ends the sandbox now.
 */
public final class SetTimeoutHandler implements Handler {
    private final SandboxService sandboxes;

    public SetTimeoutHandler(SandboxService sandboxes) { this.sandboxes = sandboxes; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        JsonBody body = JsonBody.required(req);
        Integer timeout = body.int32("timeout");
        if (timeout == null) {
            throw JsonBody.parseError("field 'timeout' is required (seconds from now; 0 ends the sandbox now)");
        }
        sandboxes.uptime().setTimeout(id, timeout);
        Responses.noContent(res);
    }
}
