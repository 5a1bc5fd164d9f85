package dev.cove.api.templates;

import dev.cove.api.ApiConfig;
import dev.cove.api.http.Responses;
import dev.cove.api.store.TemplateRecord;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code GET /templates/{templateID}} (id or name): 200 {@code TemplateWithBuilds}, builds newest first; 404. */
final class GetTemplateHandler implements Handler {
    private final TemplateService templates;
    private final ApiConfig config;

    GetTemplateHandler(TemplateService templates, ApiConfig config) {
        this.templates = templates;
        this.config = config;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        TemplateRecord t = templates.template(req.path().pathParameters().get("templateID"));
        Responses.json(res, 200, TemplateViews.withBuilds(t, templates.builds(t.id()), templates.layerBytes(t), config));
    }
}
