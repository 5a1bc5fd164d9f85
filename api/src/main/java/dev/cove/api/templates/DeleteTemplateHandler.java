package dev.cove.api.templates;

import dev.cove.api.http.Responses;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code DELETE /templates/{templateID}} (id or name): 204; the layers no other template stacks go with it. 409
 * {@code template_in_use} while a sandbox runs from it (kill it first) or a build of it runs; 404 for an unknown one.
 * A snapshot's id or name deletes the snapshot (the SDK's {@code deleteSnapshot}; 409 {@code snapshot_in_use} while
 * sandboxes made from it live).
 */
final class DeleteTemplateHandler implements Handler {
    private final TemplateService templates;

    DeleteTemplateHandler(TemplateService templates) { this.templates = templates; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        templates.delete(req.path().pathParameters().get("templateID"));
        Responses.noContent(res);
    }
}
