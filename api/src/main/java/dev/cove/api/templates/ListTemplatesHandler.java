package dev.cove.api.templates;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.cove.api.ApiConfig;
import dev.cove.api.Json;
import dev.cove.api.http.Responses;
import dev.cove.api.store.TemplateRecord;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code GET /templates}: 200 {@code [Template]}, the templates built through the API, oldest first. */
final class ListTemplatesHandler implements Handler {
    private final TemplateService templates;
    private final ApiConfig config;

    ListTemplatesHandler(TemplateService templates, ApiConfig config) {
        this.templates = templates;
        this.config = config;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        ArrayNode list = Json.MAPPER.createArrayNode();
        for (TemplateRecord t : templates.list())
            list.add(TemplateViews.template(t, templates.builds(t.id()), templates.layerBytes(t), config));
        Responses.json(res, 200, list);
    }
}
