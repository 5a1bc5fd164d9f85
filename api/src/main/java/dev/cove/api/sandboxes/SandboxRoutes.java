package dev.cove.api.sandboxes;

import dev.cove.api.auth.ApiKeys;
import dev.cove.api.auth.RequireApiKey;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.metrics.MetricsSampler;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;

/** E2B's sandbox endpoints, each behind {@code X-API-KEY}; the ones Cove does not offer answer 501 with a sentence. */
public final class SandboxRoutes {
    private SandboxRoutes() {}

    public static void register(HttpRouting.Builder routing, SandboxService sandboxes, MetricsSampler metrics,
                                ApiKeys keys) {
        String one = "/sandboxes/{sandboxID}";
        // Literal paths first: /sandboxes/metrics must not be taken for a sandbox id.
        routing.get("/sandboxes/metrics", secured(keys, new ListSandboxMetricsHandler(sandboxes, metrics)));
        routing.post("/sandboxes", secured(keys, CreateSandboxHandler.v1(sandboxes)));
        routing.get("/sandboxes", secured(keys, new ListSandboxesHandler(sandboxes)));
        routing.post("/v2/sandboxes", secured(keys, CreateSandboxHandler.v2(sandboxes)));
        routing.get("/v2/sandboxes", secured(keys, new ListSandboxesV2Handler(sandboxes)));
        routing.get(one, secured(keys, new GetSandboxHandler(sandboxes)));
        routing.delete(one, secured(keys, new KillSandboxHandler(sandboxes)));
        routing.post(one + "/timeout", secured(keys, new SetTimeoutHandler(sandboxes)));
        routing.post(one + "/refreshes", secured(keys, new RefreshSandboxHandler(sandboxes)));
        routing.post(one + "/connect", secured(keys, ConnectSandboxHandler.v1(sandboxes)));
        routing.post("/v2" + one + "/connect", secured(keys, ConnectSandboxHandler.v2(sandboxes)));

        routing.post(one + "/pause", secured(keys, new PauseSandboxHandler(sandboxes)));
        routing.post(one + "/resume", secured(keys, new ResumeSandboxHandler(sandboxes)));
        routing.get("/templates/aliases/{alias}", secured(keys, new TemplateAliasHandler(sandboxes)));
        // Template tags and secrets: the clear 501, not "not an endpoint" (an SDK reads a 404 as "no such thing").
        // Before /templates/{templateID} (the templates' routes, registered after these), which would take "tags"
        // for an id.
        NotImplementedHandler tags = NotImplementedHandler.of("Template tags");
        routing.any("/templates/tags", secured(keys, tags));
        routing.get("/templates/{templateID}/tags", secured(keys, tags));
        NotImplementedHandler secrets = NotImplementedHandler.of("Secrets");
        routing.any("/secrets", secured(keys, secrets));
        routing.any("/secrets/{secretID}", secured(keys, secrets));
        routing.put(one + "/network", secured(keys, new UpdateNetworkHandler(sandboxes)));
        routing.get(one + "/network/denials", secured(keys, new EgressDenialsHandler(sandboxes)));
        routing.get(one + "/metrics", secured(keys, new SandboxMetricsHandler(sandboxes, metrics)));
        routing.get(one + "/logs", secured(keys, NotImplementedHandler.of("Sandbox logs")));
        routing.get("/v2" + one + "/logs", secured(keys, NotImplementedHandler.of("Sandbox logs")));
        // Template builds, get and delete: dev.cove.api.templates.TemplateRoutes, registered after these.
        // Volumes (Volume.*): the SDK's first call gets the 501 sentence, not "not an endpoint".
        NotImplementedHandler volumes = NotImplementedHandler.of("Volumes");
        routing.any("/volumes", secured(keys, volumes));
        routing.any("/volumes/{volumeID}", secured(keys, volumes));
        routing.any("/volumecontent/{volumeID}/{kind}", secured(keys, volumes));
    }

    private static Handler secured(ApiKeys keys, Handler handler) { return RequireApiKey.wrap(keys, handler); }
}
