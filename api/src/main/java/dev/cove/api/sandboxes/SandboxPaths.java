package dev.cove.api.sandboxes;

import dev.cove.core.SandboxId;
import io.helidon.webserver.http.ServerRequest;

/** Path parameters of the sandbox endpoints. */
public final class SandboxPaths {
    /** Name of the path parameter in every route pattern, as in E2B's OpenAPI. */
    static final String ID = "sandboxID";

    private SandboxPaths() {}

    /** The sandbox id of the path, legacy {@code <id>-<clientID>} accepted; 400 "Invalid sandbox ID" otherwise. */
    public static String id(ServerRequest req) {
        return SandboxId.parse(req.path().pathParameters().first(ID).orElse(""));
    }
}
