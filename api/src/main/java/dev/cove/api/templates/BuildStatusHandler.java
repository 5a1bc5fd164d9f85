package dev.cove.api.templates;

import dev.cove.api.http.Responses;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /templates/{templateID}/builds/{buildID}/status?logsOffset=n}: 200 {@code TemplateBuildInfo}, the log
 * entries from {@code logsOffset} on (the SDK adds what it got to its offset), and, for a failed build, the reason
 * with the step.
 */
final class BuildStatusHandler implements Handler {
    private final TemplateService templates;

    BuildStatusHandler(TemplateService templates) { this.templates = templates; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String templateId = req.path().pathParameters().get("templateID");
        String buildId = req.path().pathParameters().get("buildID");
        String offsetText = req.query().first("logsOffset").orElse("0");
        int offset;
        try {
            offset = Integer.parseInt(offsetText);
        } catch (NumberFormatException e) {
            throw CoveException.badRequest("logsOffset must be a non-negative integer, got '" + offsetText + "'");
        }
        if (offset < 0) throw CoveException.badRequest("logsOffset must be a non-negative integer, got " + offset);
        Responses.json(res, 200, TemplateViews.status(templates.status(templateId, buildId, offset)));
    }
}
