package dev.cove.api.envd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.Json;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.store.SandboxRecord;
import dev.cove.core.CoveException;
import dev.cove.core.routing.CoveHeaders;
import dev.cove.core.routing.SandboxRoute;
import dev.cove.core.runtime.SandboxRuntime;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The one Helidon route of the agent API. It takes the requests the edge tagged with {@code X-Cove-Sandbox-Id}
 * (others go on to the REST routes), then, before any endpoint runs: E2B's control-plane-only paths answer 404, a
 * sandbox that does not run answers 502, a secured agent answers CORS and needs its token (except on
 * {@link AgentRouter.Access#OPEN} endpoints and those that check the caller themselves), and an unknown path answers
 * envd's 404.
 */
final class AgentGate implements Handler {
    private static final Logger LOG = LoggerFactory.getLogger(AgentGate.class);
    /** Set by the edge only (it drops any a client sends). */
    static final HeaderName SANDBOX_ID = HeaderNames.create(CoveHeaders.SANDBOX_ID);
    private static final Set<String> INTERNAL = Set.of("/init", "/freeze", "/unfreeze", "/collapse", "/fsfreeze", "/fsthaw");

    private final SandboxService sandboxes;
    private final SandboxRuntime runtime;
    private final AgentRouter router;
    /** Told when a sandbox is gone, so its processes and watchers are dropped. */
    private final Consumer<String> onGone;
    private final Map<String, SandboxAccess> access = new ConcurrentHashMap<>();

    AgentGate(SandboxService sandboxes, SandboxRuntime runtime, AgentRouter router, Consumer<String> onGone) {
        this.sandboxes = sandboxes;
        this.runtime = runtime;
        this.router = router;
        this.onGone = onGone;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String id = req.headers().first(SANDBOX_ID).orElse(null);
        if (id == null) {
            res.next();
            return;
        }
        try {
            serve(id, req, res);
        } catch (CoveException e) {
            if (!res.isSent()) AgentResponses.error(res, e.status(), e.getMessage());
        } catch (UncheckedIOException e) {
            LOG.debug("agent request for {} ended: {}", id, e.toString());
        } catch (RuntimeException e) {
            LOG.error("agent request {} {} for sandbox {} failed", req.prologue().method().text(), req.path().path(), id, e);
            if (!res.isSent()) AgentResponses.error(res, 500, "internal error; the Cove server log has the details");
        }
    }

    private void serve(String id, ServerRequest req, ServerResponse res) {
        String path = req.path().path();
        Method method = req.prologue().method();
        if (INTERNAL.contains(path)) {
            ObjectNode body = Json.object();
            body.put("message", "This endpoint is reserved for the E2B control plane and is not reachable through the sandbox URL");
            body.put("path", path);
            body.put("code", 404);
            Responses.json(res, 404, body);
            return;
        }
        SandboxRoute route = sandboxes.routes().lookup(id);
        if (route == null || route.state() != SandboxRoute.State.RUNNING || runtime.get(id) == null) {
            forget(id);
            ObjectNode body = Json.object();
            body.put("sandboxId", id);
            body.put("message", "The sandbox was not found");
            body.put("code", 502);
            Responses.json(res, 502, body);
            return;
        }
        SandboxAccess sandbox = access(id);
        // Any web page may call an agent that its token guards (E2B's browser SDK does); an open agent (E2B's
        // secure: false) gets no CORS headers, so a page its user happens to visit cannot drive it.
        if (sandbox.token() != null) cors(req, res);
        if (method == Method.OPTIONS) {
            res.status(Status.NO_CONTENT_204);
            res.send();
            return;
        }
        AgentRouter.Endpoint endpoint = router.find(method, path);
        if (endpoint != null && endpoint.access() != AgentRouter.Access.TOKEN) {
            endpoint.handler().handle(sandbox, req, res);
            return;
        }
        String headerToken = req.headers().first(SandboxAccess.TOKEN_HEADER).orElse(null);
        if (sandbox.token() != null && (headerToken == null || !SandboxAccess.matches(headerToken, sandbox.token()))) {
            AgentResponses.unauthorized(res);
            return;
        }
        AgentHandler handler = endpoint != null ? endpoint.handler() : router.unimplemented(method, path);
        if (handler != null) {
            handler.handle(sandbox, req, res);
            return;
        }
        AgentResponses.error(res, 404, method.text() + " " + path + " is not an endpoint of the sandbox agent API");
    }

    private SandboxAccess access(String id) {
        return access.computeIfAbsent(id, k -> {
            SandboxRecord r = sandboxes.find(k).orElseThrow(() -> new CoveException(502, "unavailable", "The sandbox was not found"));
            return new SandboxAccess(k, r.envdAccessToken(), r.envVars());
        });
    }

    private void forget(String id) {
        if (access.remove(id) != null) onGone.accept(id);
    }

    private static void cors(ServerRequest req, ServerResponse res) {
        res.header("Access-Control-Allow-Origin", "*");
        if (req.prologue().method() == Method.OPTIONS) {
            res.header("Access-Control-Allow-Methods", "HEAD, GET, POST, PUT, PATCH, DELETE");
            res.header("Access-Control-Allow-Headers",
                    req.headers().first(HeaderNames.create("Access-Control-Request-Headers")).orElse("*"));
            res.header("Access-Control-Max-Age", "7200");
        }
        res.header("Access-Control-Expose-Headers", "Connect-Protocol-Version, Connect-Timeout-Ms, Grpc-Status, "
                + "Grpc-Message, Grpc-Status-Details-Bin, Location, Cache-Control, X-Content-Type-Options");
    }
}
