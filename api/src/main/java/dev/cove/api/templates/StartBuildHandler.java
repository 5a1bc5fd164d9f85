package dev.cove.api.templates;

import dev.cove.api.http.JsonBody;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code POST /v2/templates/{templateID}/builds/{buildID}} ({@code TemplateBuildStartV2}): starts the build; 202. */
final class StartBuildHandler implements Handler {
    private final TemplateService templates;

    StartBuildHandler(TemplateService templates) { this.templates = templates; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String templateId = req.path().pathParameters().get("templateID");
        String buildId = req.path().pathParameters().get("buildID");
        templates.startBuild(templateId, buildId, BuildSpec.parse(JsonBody.required(req)));
        res.status(Status.ACCEPTED_202).send();
    }
}
