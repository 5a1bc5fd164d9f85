package dev.cove.api.templates;

import dev.cove.api.http.Responses;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /templates/{templateID}/files/{hash}}: 201 {@code TemplateBuildFileUpload}: {@code present} when the node
 * has the context of that hash already, else a {@code url} to PUT its tar to, on the host the client reached the API
 * by (the edge says which scheme).
 */
final class FileUploadLinkHandler implements Handler {
    private final TemplateService templates;

    FileUploadLinkHandler(TemplateService templates) { this.templates = templates; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String templateId = req.path().pathParameters().get("templateID");
        String hash = req.path().pathParameters().get("hash");
        String scheme = req.headers().first(HeaderNames.X_FORWARDED_PROTO).orElse("http");
        String host = req.headers().first(HeaderNames.HOST).orElse(req.authority());
        Responses.json(res, 201, templates.uploadLink(templateId, hash, scheme + "://" + host));
    }
}
