package dev.cove.api.sandboxes;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.Json;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.lifecycle.TemplateResolver;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /templates/aliases/{alias}}: 200 {@code TemplateAliasResponse} {@code {"templateID","public"}} for a
 * template Cove can start (a recipe's name is its id; a built template's id is its own; every key may use it), else
 * 404 {@code template '<x>' not found}
 * as E2B says it; {@code Template.exists} reads the status.
 */
public final class TemplateAliasHandler implements Handler {
    private final SandboxService sandboxes;

    public TemplateAliasHandler(SandboxService sandboxes) { this.sandboxes = sandboxes; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String alias = req.path().pathParameters().first("alias").orElse("");
        String id = sandboxes.templates().templateIdOf(alias);
        if (id == null) throw TemplateResolver.templateNotFound(alias);
        ObjectNode body = Json.object();
        body.put("templateID", id);
        body.put("public", true);
        Responses.json(res, 200, body);
    }
}
