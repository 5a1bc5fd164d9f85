package dev.cove.api.sandboxes;

import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxNetwork;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.core.runtime.EgressDenial;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /sandboxes/{sandboxID}/network/denials} (Cove's API): what the sandbox's egress policy or the node's
 * fixed rules refused, so an agent can tell "blocked by policy" from "host down". {@code {"total": n, "denials":
 * [{"at", "protocol", "destination", "port", "rule", "detail"}]}}, oldest first; only the last 256 are kept.
 */
public final class EgressDenialsHandler implements Handler {
    private final SandboxService sandboxes;

    public EgressDenialsHandler(SandboxService sandboxes) { this.sandboxes = sandboxes; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = SandboxPaths.id(req);
        SandboxNetwork.Denials d = sandboxes.network().denials(id);
        List<Map<String, Object>> list = d.denials().stream().map(EgressDenialsHandler::view).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sandboxID", id);
        body.put("total", d.total());
        body.put("denials", list);
        Responses.json(res, 200, body);
    }

    private static Map<String, Object> view(EgressDenial e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", e.at().toString());
        m.put("protocol", e.protocol());
        m.put("destination", e.destination());
        m.put("port", e.port());
        m.put("rule", e.rule());
        m.put("detail", e.detail());
        return m;
    }
}
