package dev.cove.api.sandboxes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.http.JsonBody;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.List;

/**
 * {@code PUT /sandboxes/{sandboxID}/network} with E2B's {@code SandboxNetworkUpdateConfig}
 * ({@code allowOut, denyOut, egressProxy, rules, allow_internet_access}): replaces the egress policy of a running
 * sandbox, omitted fields cleared (so an empty body means internet access, nothing listed). New connections
 * follow it at once; established ones it no longer allows are cut. 204.
 */
public final class UpdateNetworkHandler implements Handler {
    private final SandboxService sandboxes;

    public UpdateNetworkHandler(SandboxService sandboxes) { this.sandboxes = sandboxes; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        JsonBody body = JsonBody.optional(req);
        Boolean allowInternet = null;
        List<String> allowOut = null;
        List<String> denyOut = null;
        if (body != null) {
            JsonNode proxy = body.raw("egressProxy");
            if (proxy != null && !proxy.isNull()) {
                throw NewSandboxParser.unsupported("egressProxy", "SOCKS5 egress proxy", "omit it or send null");
            }
            JsonNode rules = body.raw("rules");
            if (rules != null && !rules.isNull() && !(rules.isObject() && rules.isEmpty())) {
                throw NewSandboxParser.unsupported("rules", "per-domain request transforms", "omit it or send null");
            }
            allowInternet = body.bool("allow_internet_access");
            allowOut = body.stringList("allowOut");
            denyOut = body.stringList("denyOut");
        }
        NewSandboxParser.validateEgress(allowOut, denyOut);
        sandboxes.network().update(id, allowInternet, allowOut, denyOut);
        Responses.noContent(res);
    }
}
