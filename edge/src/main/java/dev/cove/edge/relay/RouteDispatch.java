package dev.cove.edge.relay;

import dev.cove.core.CoveException;
import dev.cove.core.routing.NodeForwardSignature;
import dev.cove.edge.http.EdgeError;
import dev.cove.edge.http.ProxyHeaders;
import dev.cove.edge.metrics.EdgeMetrics;
import dev.cove.edge.routing.Router;
import dev.cove.edge.security.PortAccessCheck;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Applies the {@link Router}'s decision on a request that has begun, for one {@link DownstreamHandler}: a refusal or a
 * token-to-cookie redirect is answered by the edge; a wake holds the request until its sandbox runs and routes it
 * again; a proxy decision prepares the request's headers and has the {@link UpstreamLeg} dial. Runs on the client's
 * event loop, like its handler.
 */
final class RouteDispatch {
    /** How long a request waits for its paused sandbox to wake (autoResume) before it is answered 504. */
    static final long WAKE_TIMEOUT_SECONDS = 60;
    private static final Logger log = LoggerFactory.getLogger(RouteDispatch.class);
    private static final AsciiString NODE_FORWARD = AsciiString.cached(NodeForwardSignature.HEADER);
    /** Tells the control plane that another node's API forwarded this call (so it is not forwarded again). */
    private static final AsciiString FORWARDED_BY = AsciiString.cached("x-cove-forwarded-by");

    private final DownstreamHandler down;
    private final Router router;
    private final EdgeMetrics metrics;
    private final UpstreamLeg upstream;

    RouteDispatch(DownstreamHandler down, Router router, EdgeMetrics metrics, UpstreamLeg upstream) {
        this.down = down;
        this.router = router;
        this.metrics = metrics;
        this.upstream = upstream;
    }

    /** Routes a request that has begun (again, after a wake): answers it, or prepares it and dials its upstream. */
    void dispatch(HttpRequest request) {
        ClientFacts client = down.facts();
        Exchange exchange = down.exchange();
        NodeForwardSignature.Forwarded forwarded = forwardedBy(request, exchange);
        // a verified forward from another node stands for its client: that client's address and scheme count here
        boolean secure = forwarded != null ? forwarded.secure() : client.secure();
        String clientIp = exchange.clientIp(client);
        switch (router.route(request, secure, exchange.browser, client.targets)) {
            case Router.Refuse refuse -> {
                exchange.sandbox(refuse.error().sandboxId(), refuse.error().port());
                if (refuse.accessDenied()) exchange.via = "denied";
                down.respondLocally(refuse.error());
            }
            case Router.Redirect redirect -> {
                exchange.sandbox(redirect.sandbox().sandboxId(), redirect.sandbox().port());
                exchange.access(redirect.redirect().via(), redirect.redirect().linkId());
                down.respondLocally(tokenToCookie(redirect.redirect()), 303, "token_to_cookie");
            }
            case Router.Wake wake -> {
                exchange.sandbox(wake.sandbox().sandboxId(), wake.sandbox().port());
                holdUntilAwake(request, wake);
            }
            case Router.Forward forward -> {
                exchange.sandbox(forward.sandbox().sandboxId(), forward.sandbox().port());
                exchange.target = "node";
                String upgrade = !client.http2 ? ProxyHeaders.requestedUpgrade(request) : null;
                // gRPC stays HTTP/2 to the owner's edge (h2c with prior knowledge on its plain port), trailers and all
                boolean grpc = client.http2 && ProxyHeaders.isGrpc(request);
                boolean teTrailers = grpc && ProxyHeaders.asksForTrailers(request);
                // the owner's edge checks the client's own credentials: keep them, as the owner must see the request
                ProxyHeaders.prepareRequest(request, null, clientIp, secure, client.localPort(), false);
                NodeForwardSignature signature = router.nodeSignature();
                if (signature != null) {
                    request.headers().set(NODE_FORWARD, signature.sign(System.currentTimeMillis() / 1000, request.method().name(),
                            request.headers().get(HttpHeaderNames.HOST), request.uri(), clientIp, secure));
                }
                if (teTrailers) request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
                if (upgrade != null) {
                    ProxyHeaders.setUpgrade(request.headers(), upgrade);
                    exchange.upgrade = upgrade;
                }
                upstream.ensure(forward.dialer(), null, grpc);
            }
            case Router.Proxy proxy -> {
                if (proxy.sandbox() != null) exchange.sandbox(proxy.sandbox().sandboxId(), proxy.sandbox().port());
                if (proxy.access() != null) exchange.access(proxy.access().via(), proxy.access().linkId());
                exchange.target = proxy.sandbox() == null ? "control_plane" : proxy.agent() ? "agent" : "sandbox";
                String upgrade = !client.http2 && proxy.sandboxPort() ? ProxyHeaders.requestedUpgrade(request) : null;
                // gRPC needs HTTP/2 end to end (and its trailers): it goes to the port over h2c, everything else over HTTP/1.1.
                boolean grpc = client.http2 && proxy.sandboxPort() && ProxyHeaders.isGrpc(request);
                boolean teTrailers = grpc && ProxyHeaders.asksForTrailers(request);
                ProxyHeaders.prepareRequest(request, proxy.agent() ? exchange.sandboxId : null, clientIp,
                        secure, client.localPort(), proxy.sandboxPort());
                // the API call was forwarded by another node's API: its own node does not forward it again
                if (forwarded != null && proxy.sandbox() == null) request.headers().set(FORWARDED_BY, "node");
                if (teTrailers) request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS); // the one TE HTTP/2 allows
                if (proxy.sandboxPort()) {
                    String masked = proxy.route().maskedHost(exchange.port);
                    if (masked != null) ProxyHeaders.setHost(request.headers(), masked); // X-Forwarded-Host keeps the public one
                    if (upgrade != null) {
                        ProxyHeaders.setUpgrade(request.headers(), upgrade);
                        exchange.upgrade = upgrade;
                    }
                }
                upstream.ensure(proxy.dialer(), proxy.sandboxPort() ? exchange.sandboxId : null, grpc);
            }
        }
    }

    /**
     * The client another node vouches for, when the request carries {@value NodeForwardSignature#HEADER} and its
     * signature verifies (checked once per exchange: a woken request is routed again). Without a cluster secret, or
     * when it does not verify, the header counts for nothing; {@link ProxyHeaders#prepareRequest} drops it either way.
     */
    private NodeForwardSignature.Forwarded forwardedBy(HttpRequest request, Exchange exchange) {
        if (exchange.forwardChecked) return exchange.forwarded;
        exchange.forwardChecked = true;
        String header = request.headers().get(NODE_FORWARD);
        NodeForwardSignature signature = router.nodeSignature();
        if (header == null || signature == null) return null;
        exchange.forwarded = signature.verify(header, System.currentTimeMillis() / 1000, request.method().name(),
                request.headers().get(HttpHeaderNames.HOST), request.uri());
        if (exchange.forwarded == null) {
            metrics.forgedForwards.increment();
            log.debug("Ignored an {} header that does not verify (from {})", NodeForwardSignature.HEADER, down.facts().ip());
        }
        return exchange.forwarded;
    }

    /**
     * A paused sandbox is being woken for this request: it waits (held by the upstream leg, with the body parts that
     * follow; nothing more is read meanwhile) and is routed again once the sandbox runs, or answered with why it could
     * not be.
     */
    private void holdUntilAwake(HttpRequest request, Router.Wake wake) {
        ChannelHandlerContext ctx = down.client();
        Exchange waiting = down.exchange();
        metrics.wakes.increment();
        wake.woken().toCompletableFuture().orTimeout(WAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .whenComplete((ok, failure) -> ctx.executor().execute(() -> {
                    if (down.exchange() != waiting || down.closing() || !ctx.channel().isActive()) return; // the client left
                    if (failure == null) {
                        dispatch(request);
                    } else {
                        Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
                        down.respondLocally(cause instanceof TimeoutException
                                ? EdgeError.wakeTimedOut(waiting.sandboxId, waiting.port, WAKE_TIMEOUT_SECONDS)
                                : cause instanceof CoveException typed
                                ? EdgeError.typed(typed, waiting.sandboxId, waiting.port)
                                : EdgeError.upstreamFailed(waiting.sandboxId, waiting.port));
                    }
                    down.updateReading();
                }));
    }

    /** 303 to the URL without the token, with the cookie that carries it from now on. */
    private static HttpResponse tokenToCookie(PortAccessCheck.Redirect redirect) {
        HttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SEE_OTHER);
        response.headers()
                .set(HttpHeaderNames.LOCATION, redirect.location())
                .set(HttpHeaderNames.SET_COOKIE, redirect.setCookie())
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("Referrer-Policy", "no-referrer")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return response;
    }
}
