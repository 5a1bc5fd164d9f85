package dev.cove.edge;

import dev.cove.core.CoveException;
import dev.cove.core.routing.RequestTarget;
import dev.cove.core.routing.SandboxDirectory;
import dev.cove.core.routing.SandboxHost;
import dev.cove.core.routing.SandboxRoute;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Decides, from a request's headers alone, where it goes: proxied (to the control plane, the agent API, or a port
 * inside a sandbox) or refused with a typed error. Runs on event loops: pure computation plus the in-memory
 * {@link SandboxDirectory}, never blocking.
 */
final class Router {
    private static final Logger log = LoggerFactory.getLogger(Router.class);

    sealed interface Decision permits Proxy, Refuse {}

    /**
     * Proxy through {@code dialer}.
     *
     * @param sandbox the sandbox port the request named, or null for the control plane. For the agent port the
     *                request goes to the control plane too, tagged with {@link ProxyHeaders#SANDBOX_ID}.
     * @param route   the sandbox's route (its Host mask), or null for the control plane
     */
    record Proxy(UpstreamDialer dialer, SandboxHost sandbox, SandboxRoute route) implements Decision {
        boolean agent() { return sandbox != null && sandbox.port() == SandboxHost.AGENT_PORT; }

        /** A port inside the sandbox (not the control plane, not the agent port). */
        boolean sandboxPort() { return sandbox != null && !agent(); }
    }

    record Refuse(EdgeError error) implements Decision {}

    /** E2B's header for sandboxes created with {@code network.allowPublicTraffic=false}. */
    static final String TRAFFIC_TOKEN_HEADER = "e2b-traffic-access-token";

    private final String domain;
    private final SandboxDirectory directory;
    private final UpstreamDialer controlPlane;
    private final SandboxPortDialer sandboxPorts;

    Router(String domain, SandboxDirectory directory, UpstreamDialer controlPlane, SandboxPortDialer sandboxPorts) {
        this.domain = domain;
        this.directory = directory;
        this.controlPlane = controlPlane;
        this.sandboxPorts = sandboxPorts;
    }

    Decision route(HttpHeaders headers) {
        RequestTarget target;
        try {
            target = SandboxHost.route(headers.get(HttpHeaderNames.HOST), headers.get(SandboxHost.SANDBOX_ID_HEADER),
                    headers.get(SandboxHost.SANDBOX_PORT_HEADER), domain);
        } catch (CoveException badTarget) {
            return new Refuse(EdgeError.plain(badTarget));
        }
        return switch (target) {
            case RequestTarget.ControlPlane ignored -> new Proxy(controlPlane, null, null);
            case SandboxHost sandbox -> routeToSandbox(sandbox, headers);
        };
    }

    private Decision routeToSandbox(SandboxHost sandbox, HttpHeaders headers) {
        String id = sandbox.sandboxId();
        int port = sandbox.port();
        SandboxRoute route;
        try {
            route = directory.lookup(id);
        } catch (RuntimeException e) {
            log.error("SandboxDirectory.lookup({}) failed", id, e);
            return new Refuse(EdgeError.internal(id, port));
        }
        if (port == SandboxHost.AGENT_PORT) {
            // E2B's contract wins on the agent port: the SDKs read this exact 502 as "not running".
            boolean running = route != null && route.state() == SandboxRoute.State.RUNNING;
            return running ? new Proxy(controlPlane, sandbox, route) : new Refuse(EdgeError.agentSandboxNotFound(id));
        }
        if (route == null) return new Refuse(EdgeError.sandboxNotFound(id, port));
        return switch (route.state()) {
            case ENDED -> new Refuse(EdgeError.sandboxEnded(route, port));
            case PAUSED -> new Refuse(EdgeError.sandboxPaused(id, port));
            case RUNNING -> {
                if (route.trafficAccessToken() != null) {
                    String token = headers.get(TRAFFIC_TOKEN_HEADER);
                    if (token == null || token.isEmpty()) yield new Refuse(EdgeError.trafficToken(id, port, true));
                    if (!MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                            route.trafficAccessToken().getBytes(StandardCharsets.UTF_8))) {
                        yield new Refuse(EdgeError.trafficToken(id, port, false));
                    }
                }
                try {
                    yield new Proxy(sandboxPorts.dialerFor(route, port), sandbox, route);
                } catch (CoveException refused) {
                    yield new Refuse(EdgeError.typed(refused, id, port));
                }
            }
        };
    }
}
