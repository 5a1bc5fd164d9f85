package dev.cove.api.templates;

import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code PUT /templates/{templateID}/files/{hash}?token=…}: the SDK's upload of a {@code copy} context (a tar, usually
 * gzipped), to the URL {@link FileUploadLinkHandler} gave. The link's token authorises it (the SDK sends no API key
 * there); the tar is stored as it came and read only inside build sandboxes.
 */
final class UploadFileHandler implements Handler {
    private final TemplateService templates;

    UploadFileHandler(TemplateService templates) { this.templates = templates; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String templateId = req.path().pathParameters().get("templateID");
        String hash = req.path().pathParameters().get("hash");
        templates.upload(templateId, hash, req.query().first("token").orElse(null), req.content().inputStream());
        res.status(Status.OK_200).send();
    }
}
