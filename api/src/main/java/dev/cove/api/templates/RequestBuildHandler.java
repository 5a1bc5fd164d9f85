package dev.cove.api.templates;

import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code POST /v3/templates} ({@code TemplateBuildRequestV3}: {@code name} or the deprecated {@code alias}, with
 * {@code :tag} or {@code tags}, {@code cpuCount}, {@code memoryMB}): makes the template when the name is new and a
 * waiting build; 202 {@code TemplateRequestResponseV3}.
 */
final class RequestBuildHandler implements Handler {
    private final TemplateService templates;

    RequestBuildHandler(TemplateService templates) { this.templates = templates; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        JsonBody body = JsonBody.required(req);
        String name = body.string("name") != null ? body.string("name") : body.string("alias");
        var requested = templates.requestBuild(name, body.stringList("tags"), body.int32("cpuCount"),
                body.int32("memoryMB"));
        Responses.json(res, 202, TemplateViews.requested(requested));
    }
}
