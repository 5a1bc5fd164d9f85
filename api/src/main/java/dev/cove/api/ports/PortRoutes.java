package dev.cove.api.ports;

import dev.cove.api.auth.ApiKeys;
import dev.cove.api.auth.RequireApiKey;
import dev.cove.api.http.TypedErrors;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;

/**
 * Cove's ports API ({@code docs/ports.md}): what listens, expose with a readiness check, share links, audit. Each
 * endpoint is behind {@code X-API-KEY} and answers typed errors.
 */
public final class PortRoutes {
    private PortRoutes() {}

    public static void register(HttpRouting.Builder routing, PortsService ports, ApiKeys keys) {
        String one = "/sandboxes/{sandboxID}";
        routing.get(one + "/ports", secured(keys, new ListPortsHandler(ports)));
        routing.get(one + "/ports/events", secured(keys, new PortEventsHandler(ports)));
        routing.post(one + "/ports/{port}/expose", secured(keys, new ExposePortHandler(ports)));
        routing.delete(one + "/ports/{port}/expose", secured(keys, new UnexposePortHandler(ports)));
        routing.post(one + "/ports/{port}/links", secured(keys, new CreateLinkHandler(ports)));
        routing.get(one + "/links", secured(keys, new ListLinksHandler(ports)));
        routing.delete(one + "/links", secured(keys, new RevokeLinksHandler(ports)));
        routing.delete(one + "/links/{linkID}", secured(keys, new RevokeLinkHandler(ports)));
        routing.get(one + "/audit", secured(keys, new AuditHandler(ports)));
    }

    private static Handler secured(ApiKeys keys, Handler handler) {
        return RequireApiKey.wrap(keys, TypedErrors.wrap(handler));
    }
}
