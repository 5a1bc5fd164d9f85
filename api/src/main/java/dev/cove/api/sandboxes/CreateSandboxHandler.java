package dev.cove.api.sandboxes;

import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.NewSandbox;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.store.SandboxRecord;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /sandboxes} (v1: timeout default 15 s) and {@code POST /v2/sandboxes} (v2: timeout default 300 s).
 * 201 with E2B's {@code Sandbox}. Under {@code --default-port-access private} every sandbox is secured and
 * {@code secure: false} is refused; under {@code public}, E2B's rules: v1 secured when asked, v2 always.
 */
public final class CreateSandboxHandler implements Handler {
    private final SandboxService sandboxes;
    private final NewSandboxParser parser;

    private CreateSandboxHandler(SandboxService sandboxes, NewSandboxParser.Version version) {
        this.sandboxes = sandboxes;
        this.parser = new NewSandboxParser(sandboxes.config(), version);
    }

    public static CreateSandboxHandler v1(SandboxService sandboxes) {
        return new CreateSandboxHandler(sandboxes, NewSandboxParser.Version.V1);
    }

    public static CreateSandboxHandler v2(SandboxService sandboxes) {
        return new CreateSandboxHandler(sandboxes, NewSandboxParser.Version.V2);
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        NewSandbox request = parser.parse(JsonBody.required(req));
        SandboxRecord created = sandboxes.creator().create(request);
        Responses.json(res, 201, SandboxViews.sandbox(created, sandboxes.config()));
    }
}
