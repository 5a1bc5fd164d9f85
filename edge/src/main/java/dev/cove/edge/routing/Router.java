package dev.cove.edge.routing;

import dev.cove.edge.http.EdgeError;
import dev.cove.edge.http.ProxyHeaders;
import dev.cove.edge.security.CrossSiteGuard;
import dev.cove.edge.security.PortAccessCheck;
import dev.cove.edge.upstream.SandboxPortDialer;
import dev.cove.edge.upstream.SocketDialer;
import dev.cove.edge.upstream.UpstreamDialer;

import dev.cove.core.CoveException;
import dev.cove.core.routing.CoveHeaders;
import dev.cove.core.routing.NodeForwardSignature;
import dev.cove.core.routing.RequestTarget;
import dev.cove.core.routing.SandboxDirectory;
import dev.cove.core.routing.SandboxHost;
import dev.cove.core.routing.SandboxRoute;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Decides, from a request's headers alone, where it goes: proxied (to the control plane, the agent API, or a port
 * inside a sandbox) or refused with a typed error. Runs on event loops: pure computation plus the in-memory
 * {@link SandboxDirectory}, never blocking.
 */
public final class Router {
    private static final Logger log = LoggerFactory.getLogger(Router.class);

    public sealed interface Decision permits Proxy, Forward, Refuse, Redirect, Wake {}

    /**
     * Proxy through {@code dialer}.
     *
     * @param sandbox the sandbox port the request named, or null for the control plane. For the agent port the
     *                request goes to the control plane too, tagged with {@link ProxyHeaders#SANDBOX_ID}.
     * @param route   the sandbox's route (its Host mask), or null for the control plane
     * @param access  how a sandbox port was let through ({@link PortAccessCheck.Pass}), else null
     */
    public record Proxy(UpstreamDialer dialer, SandboxHost sandbox, SandboxRoute route, PortAccessCheck.Pass access) implements Decision {
        public boolean agent() { return sandbox != null && sandbox.port() == SandboxHost.AGENT_PORT; }

        /** A port inside the sandbox (not the control plane, not the agent port). */
        public boolean sandboxPort() { return sandbox != null && !agent(); }
    }

    /**
     * The sandbox lives on another node of the cluster: the request goes to that node's edge ({@code dialer}) as the
     * client sent it, credentials included, and that edge decides (access, wake, dial) as for any client; signed
     * ({@link NodeForwardSignature}) so that it trusts the original client's address and scheme.
     */
    public record Forward(UpstreamDialer dialer, SandboxHost sandbox) implements Decision {}

    /** @param accessDenied the port's access policy refused it (audited) */
    public record Refuse(EdgeError error, boolean accessDenied) implements Decision {
        Refuse(EdgeError error) { this(error, false); }
    }

    /**
     * The sandbox is paused with {@code autoResume} and the request may pass: hold it until {@code woken} completes,
     * then route it again.
     */
    public record Wake(SandboxHost sandbox, CompletionStage<Void> woken) implements Decision {}

    /** A browser brought a token in the query string: answer 303 with the cookie (see {@link PortAccessCheck}). */
    public record Redirect(SandboxHost sandbox, PortAccessCheck.Redirect redirect) implements Decision {}

    /** E2B's header for sandboxes created with {@code network.allowPublicTraffic=false}. */
    public static final String TRAFFIC_TOKEN_HEADER = CoveHeaders.TRAFFIC_ACCESS_TOKEN;

    private final String domain;
    private final SandboxDirectory directory;
    private final UpstreamDialer controlPlane;
    private final SandboxPortDialer sandboxPorts;
    private final PortAccessCheck access;
    private final NodeForwardSignature nodeSignature;

    public Router(String domain, SandboxDirectory directory, UpstreamDialer controlPlane, SandboxPortDialer sandboxPorts,
           PortAccessCheck access) {
        this(domain, directory, controlPlane, sandboxPorts, access, null);
    }

    /**
     * @param nodeSignature the cluster's node-to-node signature (signs what this edge forwards, verifies what other
     *                      nodes forward to it), or null on a single host
     */
    public Router(String domain, SandboxDirectory directory, UpstreamDialer controlPlane, SandboxPortDialer sandboxPorts,
           PortAccessCheck access, NodeForwardSignature nodeSignature) {
        this.nodeSignature = nodeSignature;
        this.domain = SandboxHost.hostname(domain); // lower case, no trailing dot, no port: as hostname() gives hosts
        this.directory = directory;
        this.controlPlane = controlPlane;
        this.sandboxPorts = sandboxPorts;
        this.access = access;
    }

    /** The cluster's node-to-node signature, or null on a single host (nothing is signed, nothing trusted). */
    public NodeForwardSignature nodeSignature() { return nodeSignature; }

    /**
     * The parsed target of the last request on one client connection (or stream): keep-alive clients name the same
     * host request after request, so it is parsed once, not per request. The target is a pure function of the three
     * header values, so an equal triple gives an equal target. Only valid targets are kept.
     */
    public static final class TargetCache {
        private String host;
        private String idHeader;
        private String portHeader;
        private RequestTarget target;

        RequestTarget get(String host, String idHeader, String portHeader) {
            return target != null && Objects.equals(host, this.host) && Objects.equals(idHeader, this.idHeader)
                    && Objects.equals(portHeader, this.portHeader) ? target : null;
        }

        void put(String host, String idHeader, String portHeader, RequestTarget target) {
            this.host = host;
            this.idHeader = idHeader;
            this.portHeader = portHeader;
            this.target = target;
        }
    }

    /**
     * @param secure  the client came over TLS
     * @param browser the request is a browser navigation
     * @param cache   the connection's last parsed target, reused when the request names the same one
     */
    public Decision route(HttpRequest request, boolean secure, boolean browser, TargetCache cache) {
        HttpHeaders headers = request.headers();
        String host = headers.get(HttpHeaderNames.HOST);
        String idHeader = headers.get(SandboxHost.SANDBOX_ID_HEADER);
        String portHeader = headers.get(SandboxHost.SANDBOX_PORT_HEADER);
        RequestTarget target = cache.get(host, idHeader, portHeader);
        if (target == null) {
            String hostname = SandboxHost.hostname(host);
            if (!hostname.isEmpty() && !isOurs(hostname)) return new Refuse(EdgeError.misdirected(hostname, domain));
            try {
                target = SandboxHost.route(host, idHeader, portHeader, domain);
            } catch (CoveException badTarget) {
                return new Refuse(EdgeError.plain(badTarget));
            }
            cache.put(host, idHeader, portHeader, target);
        }
        return switch (target) {
            case RequestTarget.ControlPlane ignored -> new Proxy(controlPlane, null, null, null);
            case SandboxHost sandbox -> routeToSandbox(sandbox, request, secure, browser);
        };
    }

    /**
     * Whether a host name is one this edge serves: the configured domain and the names under it, {@code localhost}
     * and IP literals (which name this machine; the shared-host header routing uses them). Any other name reaching the
     * edge was pointed at it by someone else's DNS, as in DNS rebinding, where a page on a name its author controls
     * turns that name to this address and so reads sandbox ports as its own origin: such requests are not routed.
     */
    private boolean isOurs(String hostname) {
        if (SandboxHost.isLocal(hostname) || hostname.equals(domain)) return true;
        return hostname.length() > domain.length() + 1 && hostname.endsWith(domain)
                && hostname.charAt(hostname.length() - domain.length() - 1) == '.';
    }

    private Decision routeToSandbox(SandboxHost sandbox, HttpRequest request, boolean secure, boolean browser) {
        String id = sandbox.sandboxId();
        int port = sandbox.port();
        SandboxRoute route;
        try {
            route = directory.lookup(id);
        } catch (RuntimeException e) {
            log.error("SandboxDirectory.lookup({}) failed", id, e);
            return new Refuse(EdgeError.internal(id, port));
        }
        if (route != null && route.owner() != null && route.state() != SandboxRoute.State.ENDED) {
            return new Forward(new SocketDialer(route.owner()), sandbox);
        }
        if (port == SandboxHost.AGENT_PORT) {
            // E2B's contract wins on the agent port: the SDKs read this exact 502 as "not running".
            boolean running = route != null && route.state() == SandboxRoute.State.RUNNING;
            if (!running && route != null && route.state() == SandboxRoute.State.PAUSED && route.autoResume()) {
                return new Wake(sandbox, directory.wake(id)); // E2B wakes on any port, its agent's included
            }
            return running ? new Proxy(controlPlane, sandbox, route, null) : new Refuse(EdgeError.agentSandboxNotFound(id));
        }
        if (route == null) return new Refuse(EdgeError.sandboxNotFound(id, port));
        return switch (route.state()) {
            case ENDED -> new Refuse(EdgeError.sandboxEnded(route, port));
            case PAUSED -> route.autoResume() ? wake(sandbox, route, request, secure, browser)
                    : new Refuse(EdgeError.sandboxPaused(id, port));
            case RUNNING -> admit(sandbox, route, request, secure, browser);
        };
    }

    /** A paused sandbox with autoResume: only a request its port's policy lets in may wake it. */
    private Decision wake(SandboxHost sandbox, SandboxRoute route, HttpRequest request, boolean secure, boolean browser) {
        return switch (access.check(route, sandbox.port(), request, secure, browser)) {
            case PortAccessCheck.Refuse refused -> new Refuse(refused.error(), true);
            case PortAccessCheck.Redirect redirect -> new Redirect(sandbox, redirect);
            case PortAccessCheck.Pass pass -> {
                EdgeError crossSite = crossSite(route, sandbox.port(), request, secure, pass);
                yield crossSite != null ? new Refuse(crossSite, true) : new Wake(sandbox, directory.wake(sandbox.sandboxId()));
            }
        };
    }

    /** A running sandbox's port: its access policy first, then the dial. */
    private Decision admit(SandboxHost sandbox, SandboxRoute route, HttpRequest request, boolean secure, boolean browser) {
        return switch (access.check(route, sandbox.port(), request, secure, browser)) {
            case PortAccessCheck.Refuse refused -> new Refuse(refused.error(), true);
            case PortAccessCheck.Redirect redirect -> new Redirect(sandbox, redirect);
            case PortAccessCheck.Pass pass -> {
                EdgeError crossSite = crossSite(route, sandbox.port(), request, secure, pass);
                if (crossSite != null) yield new Refuse(crossSite, true);
                try {
                    yield new Proxy(sandboxPorts.dialerFor(route, sandbox.port()), sandbox, route, pass);
                } catch (CoveException refused) {
                    yield new Refuse(EdgeError.typed(refused, sandbox.sandboxId(), sandbox.port()));
                }
            }
        };
    }

    /** A request let in by Cove's cookie alone must come from the port's own pages when it changes something. */
    private static EdgeError crossSite(SandboxRoute route, int port, HttpRequest request, boolean secure, PortAccessCheck.Pass pass) {
        if (!pass.byCookie()) return null;
        return CrossSiteGuard.check(route, port, request, secure, ProxyHeaders.requestedUpgrade(request) != null);
    }
}
