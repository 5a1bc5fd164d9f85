package dev.cove.api.templates;

import dev.cove.api.ApiConfig;
import dev.cove.api.auth.ApiKeys;
import dev.cove.api.auth.RequireApiKey;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;

/**
 * The template build API, each endpoint behind {@code X-API-KEY} except the upload (its link's token authorises
 * it). Registered after {@link dev.cove.api.sandboxes.SandboxRoutes}, whose literal template routes
 * ({@code /templates/aliases/…}, {@code /templates/tags}) must win over {@code /templates/{templateID}}.
 */
public final class TemplateRoutes {
    private TemplateRoutes() {}

    public static void register(HttpRouting.Builder routing, TemplateService templates, ApiConfig config, ApiKeys keys) {
        routing.post("/v3/templates", secured(keys, new RequestBuildHandler(templates)));
        routing.post("/v2/templates/{templateID}/builds/{buildID}", secured(keys, new StartBuildHandler(templates)));
        routing.get("/templates/{templateID}/builds/{buildID}/status", secured(keys, new BuildStatusHandler(templates)));
        routing.get("/templates/{templateID}/files/{hash}", secured(keys, new FileUploadLinkHandler(templates)));
        routing.put("/templates/{templateID}/files/{hash}", new UploadFileHandler(templates));
        routing.get("/templates", secured(keys, new ListTemplatesHandler(templates, config)));
        routing.get("/templates/{templateID}", secured(keys, new GetTemplateHandler(templates, config)));
        routing.delete("/templates/{templateID}", secured(keys, new DeleteTemplateHandler(templates)));
    }

    private static Handler secured(ApiKeys keys, Handler handler) { return RequireApiKey.wrap(keys, handler); }
}
