package dev.cove.edge;

import dev.cove.core.CoveException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * The client side of the proxy: one instance per HTTP/1.1 connection, or per HTTP/2 stream (below
 * {@code Http2StreamFrameToHttpObjectCodec}, so both see the same {@link HttpObject}s). It routes each request,
 * answers refusals itself, and relays the rest through one pinned upstream connection whose
 * {@link UpstreamHandler} calls back into this class. Both legs run on the same event loop: no locks.
 *
 * <pre>
 * Backpressure: nothing is buffered beyond what one socket read decodes; a slow side stops the other from reading.
 *
 *   client ──read──▶ [codec] ──▶ DownstreamHandler ──write──▶ upstream ──▶ control plane
 *      ▲                              │    ▲                        │
 *      │  autoRead off while:         │    │ writability changed    │ channelWritabilityChanged
 *      │  · the upstream is dialing   │    └────────────────────────┘ (upstream send buffer drained)
 *      │  · the upstream is not writable (its outbound buffer is above the high-water mark)
 *      │  · a pipelined request waits behind the current exchange (HTTP/1.1 pipelining is serialised)
 *      │
 *   client ◀──write── [codec] ◀── DownstreamHandler ◀──read── upstream ◀── control plane
 *      │                              │
 *      └── client not writable ───────┴──▶ upstream.autoRead = false, until the client drains
 *
 * On HTTP/2 "not writable" is the stream's flow-control window, and a stream channel with autoRead off stops
 * returning WINDOW_UPDATEs, so the client's sender stalls as well.
 * </pre>
 */
final class DownstreamHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(DownstreamHandler.class);
    private static final int UPSTREAM_MAX_HEADER_SIZE = 64 * 1024;
    private static final int MAX_CHUNK_SIZE = 16 * 1024;
    /** How long a request waits for its paused sandbox to wake (autoResume) before it is answered 504. */
    static final long WAKE_TIMEOUT_SECONDS = 60;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static final Logger accessLog = LoggerFactory.getLogger("dev.cove.edge.access");

    private final Router router;
    private final int maxHeaderSize;
    private final EdgeMetrics metrics;
    private final ConnectionLimits limits;
    private final boolean logAccess;

    private ChannelHandlerContext ctx;
    private boolean http2;
    /** The request being answered; null between requests. */
    private Exchange exchange;
    /** Parts of requests that arrived while an earlier exchange was still running (HTTP/1.1 pipelining). */
    private final ArrayDeque<HttpObject> pipelined = new ArrayDeque<>();
    /** Parts of the current request, held until the upstream connection is up. */
    private final ArrayDeque<HttpObject> unsent = new ArrayDeque<>();
    private Channel upstream;
    private UpstreamDialer upstreamDialer;
    private Future<Channel> connecting;
    /** The connection's facts, formatted once (not per request). */
    private String clientIp;
    private String localPort;
    /** The last request's parsed target: keep-alive clients name the same host every time. */
    private final Router.TargetCache targets = new Router.TargetCache();
    /** The last request's User-Agent and whether it names a browser. */
    private String lastUserAgent;
    private boolean lastUserAgentIsBrowser;
    /** Whether the client connection is TLS, found once (null until the first request). */
    private Boolean secure;
    /** This connection's header timer (HTTP/1.1), found once; null on HTTP/2 streams and once it has left. */
    private HeaderTimeout headerTimeout;
    private boolean headerTimeoutFound;
    /** When the current dial began (for the dial-time histogram). */
    private long dialStarted;
    private boolean reading = true;
    private boolean draining;
    private boolean closing;
    /** After a 101: both legs are raw byte pipes (WebSocket or another upgraded protocol). */
    private boolean tunnel;
    /** Non-null only while {@link #switchToTunnel} removes the codecs. */
    private Switch switching;
    /** The HTTP/1.1 codec's context, where relayed response bytes are written (see {@link #rawOut}). */
    private ChannelHandlerContext rawOut;
    /** The upstream is a stream on a shared h2c connection (see {@link #openH2cStream}). */
    private boolean upstreamH2c;
    /** That connection, whose server may or may not have spoken HTTP/2 (which explains a failure); null otherwise. */
    private H2cUpstreams.Connection h2cConnection;
    /** Why the upstream's response was refused, until its connection's close is handled. */
    private String invalidResponse;

    DownstreamHandler(Router router, int maxHeaderSize, EdgeMetrics metrics, ConnectionLimits limits, boolean logAccess) {
        this.router = router;
        this.maxHeaderSize = maxHeaderSize;
        this.metrics = metrics;
        this.limits = limits;
        this.logAccess = logAccess;
    }

    /** State of one request/response pair. */
    private static final class Exchange {
        final boolean http10;
        final boolean head;
        final boolean browser;
        final boolean expectContinue;
        /** For the access log only (0 without one): a clock read per request is not free. */
        final long started;
        /** For the access log only (null without one). */
        final String method;
        final String host;
        final String path;
        boolean keepAlive;
        String sandboxId;
        Integer port;
        String target = "none";
        /** The protocol an upgrade request asks for (sandbox ports, HTTP/1.1), else null. */
        String upgrade;
        /** How a sandbox port request got through ({@code public}, {@code token}, {@code link}) or {@code denied}; null otherwise. */
        String via;
        String linkId;
        /** A 101 head was relayed; the codecs come out after its (empty) last content. */
        boolean switching;
        int status;
        String edgeCode;
        long bytesOut;
        boolean logged;
        /** Answered by the edge: the rest of the request body is read and dropped. */
        boolean local;
        boolean requestDone;
        boolean responseStarted;
        boolean responseDone;
        /** HttpClientCodec follows a 1xx head with an empty last content that belongs to no client response. */
        boolean skipInterimLast;

        /** @param logged the access log is on: keep what its line shows (otherwise none of it is worked out) */
        Exchange(HttpRequest request, boolean browser, boolean logged) {
            started = logged ? System.nanoTime() : 0;
            // A line the decoder could not read gets Netty's stand-in request, a FullHttpRequest in HTTP/1.0: the client's
            // version is unknown then, and the answer goes out in HTTP/1.1 (which HTTP/1.0 clients read as well).
            http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0)
                    && !(request.decoderResult().isFailure() && request instanceof io.netty.handler.codec.http.FullHttpRequest);
            head = request.method().equals(HttpMethod.HEAD);
            this.browser = browser;
            expectContinue = HttpUtil.is100ContinueExpected(request);
            keepAlive = HttpUtil.isKeepAlive(request);
            if (logged) {
                method = request.method().name();
                host = request.headers().get(HttpHeaderNames.HOST, "-");
                String uri = request.uri();
                int query = uri.indexOf('?');
                path = query < 0 ? uri : uri.substring(0, query); // query strings may carry tokens: never logged
            } else {
                method = host = path = null;
            }
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.http2 = ctx.channel() instanceof Http2StreamChannel;
    }

    // ---- client → edge -------------------------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (tunnel) {
            if (upstream != null && msg instanceof ByteBuf bytes) {
                metrics.bytesReceived.add(bytes.readableBytes());
                if (switching != null) switching.toUpstream.add(bytes); // the codecs are coming out right now
                else upstream.write(bytes, upstream.voidPromise());
            } else {
                ReferenceCountUtil.release(msg);
            }
            updateReading();
            return;
        }
        if (!(msg instanceof HttpObject part) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!pipelined.isEmpty() || (exchange != null && part instanceof HttpRequest)) {
            pipelined.add(part);
        } else {
            handle(part);
        }
        updateReading();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upstream != null) upstream.flush(); // one flush per read batch, not per message
    }

    private void handle(HttpObject part) {
        if (part instanceof HttpRequest request) {
            begin(request);
        } else if (exchange != null && !exchange.requestDone) {
            forward(part);
        } else {
            ReferenceCountUtil.release(part); // a stray body part: nothing expects it
        }
    }

    private void begin(HttpRequest request) {
        exchange = new Exchange(request, browserNavigation(request), logAccess);
        HeaderTimeout headerTimeout = headerTimeout();
        if (headerTimeout != null) headerTimeout.headerReceived();
        if (request.decoderResult().isFailure()) {
            exchange.keepAlive = false; // the decoder has lost its place in the byte stream
            respondLocally(malformed(request.decoderResult().cause()));
            forward(request);
            return;
        }
        EdgeError refused = RequestForm.refusal(request, http2);
        if (refused != null) {
            exchange.keepAlive &= refused.status() != 505; // another protocol's framing: the connection ends
            respondLocally(refused);
            forward(request);
            return;
        }
        Channel connection = http2 ? ctx.channel().parent() : ctx.channel();
        if (ConnectionLimits.overLimit(connection)) {
            exchange.keepAlive = false;
            metrics.connectionsRefused.increment();
            respondLocally(EdgeError.rateLimited(null, null, "This Cove server has too many open connections ("
                    + limits.maxConnections + "). Retry in a moment.", limits.maxConnections, ConnectionLimits.RETRY_AFTER_SECONDS));
            forward(request);
            return;
        }
        dispatch(request, connection);
        forward(request);
    }

    /** Routes a request that has begun (again, after a wake): answers it, or prepares it and dials its upstream. */
    private void dispatch(HttpRequest request, Channel connection) {
        if (this.secure == null) this.secure = connection.pipeline().get(SslHandler.class) != null;
        boolean secure = this.secure;
        switch (router.route(request, secure, exchange.browser, targets)) {
            case Router.Refuse refuse -> {
                exchange.sandboxId = refuse.error().sandboxId();
                exchange.port = refuse.error().port();
                if (refuse.accessDenied()) exchange.via = "denied";
                respondLocally(refuse.error());
            }
            case Router.Redirect redirect -> {
                exchange.sandboxId = redirect.sandbox().sandboxId();
                exchange.port = redirect.sandbox().port();
                exchange.via = redirect.redirect().via();
                exchange.linkId = redirect.redirect().linkId();
                respondLocally(tokenToCookie(redirect.redirect()), 303, "token_to_cookie");
            }
            case Router.Wake wake -> {
                exchange.sandboxId = wake.sandbox().sandboxId();
                exchange.port = wake.sandbox().port();
                holdUntilAwake(request, connection, wake);
            }
            case Router.Proxy proxy -> {
                if (proxy.sandbox() != null) {
                    exchange.sandboxId = proxy.sandbox().sandboxId();
                    exchange.port = proxy.sandbox().port();
                }
                if (proxy.access() != null) {
                    exchange.via = proxy.access().via();
                    exchange.linkId = proxy.access().linkId();
                }
                exchange.target = proxy.sandbox() == null ? "control_plane" : proxy.agent() ? "agent" : "sandbox";
                String upgrade = !http2 && proxy.sandboxPort() ? ProxyHeaders.requestedUpgrade(request) : null;
                // gRPC needs HTTP/2 end to end (and its trailers): it goes to the port over h2c, everything else over HTTP/1.1.
                boolean grpc = http2 && proxy.sandboxPort() && ProxyHeaders.isGrpc(request);
                boolean teTrailers = grpc && ProxyHeaders.asksForTrailers(request);
                ProxyHeaders.prepareRequest(request, proxy.agent() ? exchange.sandboxId : null, clientIp(connection),
                        secure, localPort(connection), proxy.sandboxPort());
                if (teTrailers) request.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS); // the one TE HTTP/2 allows
                if (proxy.sandboxPort()) {
                    String masked = proxy.route().maskedHost(exchange.port);
                    if (masked != null) request.headers().set(HttpHeaderNames.HOST, masked); // X-Forwarded-Host keeps the public one
                    if (upgrade != null) {
                        ProxyHeaders.setUpgrade(request.headers(), upgrade);
                        exchange.upgrade = upgrade;
                    }
                }
                ensureUpstream(proxy.dialer(), proxy.sandboxPort() ? exchange.sandboxId : null, grpc);
            }
        }
    }

    /**
     * A paused sandbox is being woken for this request: it waits (in {@code unsent}, with the body parts that follow;
     * nothing more is read meanwhile) and is routed again once the sandbox runs, or answered with why it could not be.
     */
    private void holdUntilAwake(HttpRequest request, Channel connection, Router.Wake wake) {
        Exchange waiting = exchange;
        metrics.wakes.increment();
        wake.woken().toCompletableFuture().orTimeout(WAKE_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)
                .whenComplete((ok, failure) -> ctx.executor().execute(() -> {
                    if (exchange != waiting || closing || !ctx.channel().isActive()) return; // the client left
                    if (failure == null) {
                        dispatch(request, connection);
                    } else {
                        Throwable cause = failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                                ? c.getCause() : failure;
                        respondLocally(cause instanceof java.util.concurrent.TimeoutException
                                ? EdgeError.wakeTimedOut(waiting.sandboxId, waiting.port, WAKE_TIMEOUT_SECONDS)
                                : cause instanceof CoveException typed
                                ? EdgeError.typed(typed, waiting.sandboxId, waiting.port)
                                : EdgeError.upstreamFailed(waiting.sandboxId, waiting.port));
                    }
                    updateReading();
                }));
    }

    /** Sends a part of the current request on, or drops it when the edge answers the request itself. */
    private void forward(HttpObject part) {
        if (part instanceof HttpContent content) metrics.bytesReceived.add(content.content().readableBytes());
        if (exchange.local) {
            ReferenceCountUtil.release(part);
        } else if (upstream != null) {
            upstream.write(part, upstream.voidPromise()); // a failed write closes the upstream: see onUpstreamInactive
        } else {
            unsent.add(part);
        }
        if (part instanceof LastHttpContent) {
            exchange.requestDone = true;
            finishIfDone();
        }
    }

    // ---- upstream connection -------------------------------------------------------------------------------

    /** Pins one upstream connection per client connection (stream), reused while requests go the same way. */
    private void ensureUpstream(UpstreamDialer dialer, String limitedSandbox, boolean h2c) {
        if (dialer.equals(upstreamDialer) && h2c == upstreamH2c && (upstream != null || connecting != null)) return;
        closeUpstream();
        if (h2c) {
            openH2cStream(dialer, limitedSandbox);
            return;
        }
        if (limitedSandbox != null && !limits.acquire(limitedSandbox)) {
            refuseOverSandboxLimit(limitedSandbox);
            return;
        }
        upstreamDialer = dialer;
        dialStarted = System.nanoTime();
        Integer port = exchange.port;
        Future<Channel> dial = dialer.dial(ctx.channel().eventLoop(), new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                // An HTTP/1.1 client gets the upstream's response bytes relayed; an HTTP/2 stream needs them as objects.
                // The control plane is always spoken to in HTTP/1.1 (see UpstreamCodec).
                ch.pipeline().addLast(http2
                                ? new HttpClientCodec(new HttpDecoderConfig()
                                        .setMaxHeaderSize(UPSTREAM_MAX_HEADER_SIZE)
                                        .setMaxChunkSize(MAX_CHUNK_SIZE), false, false)
                                : new UpstreamCodec(UPSTREAM_MAX_HEADER_SIZE, limitedSandbox == null));
                if (limitedSandbox != null) ch.pipeline().addLast(cookieFilter(limitedSandbox, port));
                ch.pipeline().addLast(new UpstreamHandler(DownstreamHandler.this));
            }
        });
        connecting = dial;
        dial.addListener(done -> {
            if (limitedSandbox != null) holdSlotWhileOpen(dial, limitedSandbox);
            onUpstreamConnected(dial);
        });
    }

    /** A sandbox app's cookies are kept to its own host (see {@link SandboxCookies}). */
    private SandboxCookieFilter cookieFilter(String sandboxId, Integer port) {
        return new SandboxCookieFilter(metrics, sandboxId, port, logAccess);
    }

    private void refuseOverSandboxLimit(String sandbox) {
        metrics.connectionsRefused.increment();
        respondLocally(EdgeError.rateLimited(exchange.sandboxId, exchange.port, "Sandbox " + sandbox
                + " has too many open connections (" + limits.maxPerSandbox + "). Retry in a moment.",
                limits.maxPerSandbox, ConnectionLimits.RETRY_AFTER_SECONDS));
    }

    /** A connection to a sandbox holds one of its connection slots for as long as it is open. */
    private void holdSlotWhileOpen(Future<Channel> dial, String sandbox) {
        if (dial.isSuccess()) dial.getNow().closeFuture().addListener(closed -> limits.release(sandbox));
        else limits.release(sandbox);
    }

    /**
     * A gRPC call's upstream: a stream of its own on the h2c connection this client connection shares for the port
     * ({@link H2cUpstreams}; dialed, and given a connection slot, by the first call). The request and response pass it
     * as Netty's objects, as on the client's stream, so trailers go through.
     */
    private void openH2cStream(UpstreamDialer dialer, String limitedSandbox) {
        H2cUpstreams shared = H2cUpstreams.of(ctx.channel().parent());
        H2cUpstreams.Connection connection = shared.get(dialer);
        if (connection == null) {
            if (limitedSandbox != null && !limits.acquire(limitedSandbox)) {
                refuseOverSandboxLimit(limitedSandbox);
                return;
            }
            connection = shared.dial(dialer, ctx.channel().eventLoop());
            Future<Channel> dial = connection.dialed;
            if (limitedSandbox != null) dial.addListener(done -> holdSlotWhileOpen(dial, limitedSandbox));
        }
        upstreamDialer = dialer;
        upstreamH2c = true;
        h2cConnection = connection;
        dialStarted = System.nanoTime();
        Integer port = exchange.port;
        io.netty.util.concurrent.Promise<Channel> stream = ctx.executor().newPromise();
        connection.ready.addListener((Future<Channel> ready) -> {
            if (!ready.isSuccess()) {
                stream.setFailure(ready.cause());
                return;
            }
            new Http2StreamChannelBootstrap(ready.getNow()).handler(new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel ch) {
                    ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false));
                    if (limitedSandbox != null) ch.pipeline().addLast(cookieFilter(limitedSandbox, port));
                    ch.pipeline().addLast(new UpstreamHandler(DownstreamHandler.this));
                }
            }).open().addListener(opened -> {
                if (opened.isSuccess()) stream.setSuccess((Channel) opened.getNow());
                else stream.setFailure(opened.cause());
            });
        });
        connecting = stream;
        stream.addListener(done -> onUpstreamConnected(stream));
    }

    private void onUpstreamConnected(Future<Channel> dial) {
        if (dial != connecting) { // superseded or the client left meanwhile
            if (dial.isSuccess()) dial.getNow().close();
            return;
        }
        connecting = null;
        if (!dial.isSuccess()) {
            EdgeError error;
            if (dial.cause() instanceof CoveException typed && exchange != null) {
                log.debug("Cannot connect upstream ({}): {}", upstreamDialer, typed.getMessage());
                error = EdgeError.typed(typed, exchange.sandboxId, exchange.port);
            } else {
                log.warn("Cannot connect upstream ({}): {}", upstreamDialer, dial.cause().toString());
                error = exchange == null ? null : EdgeError.upstreamFailed(exchange.sandboxId, exchange.port);
            }
            upstreamDialer = null;
            if (exchange != null && !exchange.local) respondLocally(error);
            updateReading();
            return;
        }
        metrics.dialed(System.nanoTime() - dialStarted);
        upstream = dial.getNow();
        upstream.config().setAutoRead(ctx.channel().isWritable());
        while (!unsent.isEmpty()) upstream.write(unsent.poll(), upstream.voidPromise());
        upstream.flush();
        updateReading();
    }

    private void closeUpstream() {
        Channel old = upstream;
        upstream = null; // first, so its channelInactive is recognised as stale, not as a failure of this exchange
        if (old != null) old.close();
        connecting = null; // onUpstreamConnected closes it when it completes
        upstreamDialer = null;
        upstreamH2c = false;
        h2cConnection = null;
    }

    // ---- upstream → client (called by UpstreamHandler) -----------------------------------------------------

    void onUpstreamRead(Channel from, Object msg) {
        if (tunnel) {
            if (from == upstream && msg instanceof ByteBuf bytes) {
                metrics.bytesSent.add(bytes.readableBytes());
                if (switching != null) switching.toClient.add(bytes);
                else ctx.write(bytes, ctx.voidPromise());
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (from == upstream && exchange != null && exchange.switching
                && (msg == UpstreamCodec.RESPONSE_END || msg instanceof LastHttpContent)) {
            ReferenceCountUtil.release(msg); // the 101 has no body; what follows is the new protocol
            switchToTunnel(from);
            return;
        }
        if (from != upstream || exchange == null || exchange.local || exchange.responseDone) {
            ReferenceCountUtil.release(msg); // nothing asked for it; the connection is out of step
            from.close();
            return;
        }
        switch (msg) {
            case ByteBuf body when exchange.responseStarted -> relayBody(body);
            case ResponseHead head -> relayHead(from, head);
            case HttpObject part -> relayObject(from, part);
            default -> {
                if (msg == UpstreamCodec.RESPONSE_END && exchange.responseStarted) {
                    responseEnded();
                } else {
                    ReferenceCountUtil.release(msg);
                    from.close();
                }
            }
        }
    }

    /** An HTTP/1.1 client's response head (with its body when complete), relayed as bytes (see {@link UpstreamCodec}). */
    private void relayHead(Channel from, ResponseHead head) {
        int status = head.status;
        if (status == 101) {
            if (exchange.upgrade == null) { // a switch nobody asked for: the connection is out of step
                head.release();
                from.close();
                return;
            }
            String protocol = head.upgrade();
            exchange.status = 101;
            exchange.responseStarted = true;
            exchange.switching = true;
            rawOut().write(head.encode(ctx.alloc(), true, protocol != null ? protocol : exchange.upgrade), ctx.voidPromise());
            head.release();
            return; // RESPONSE_END follows, and the codecs come out
        }
        if (head.informational()) { // interim: only a 100 the client waits for goes on
            if (status == 100 && exchange.expectContinue) {
                rawOut().writeAndFlush(Unpooled.wrappedBuffer(CONTINUE), ctx.voidPromise());
            }
            head.release();
            return;
        }
        exchange.keepAlive &= !head.closesClient();
        exchange.responseStarted = true;
        exchange.status = status;
        int bodyBytes = head.bodyBytes();
        exchange.bytesOut += bodyBytes;
        metrics.bytesSent.add(bodyBytes);
        rawOut().write(head.encode(ctx.alloc(), exchange.keepAlive, null), ctx.voidPromise());
        boolean complete = head.complete();
        head.release();
        if (complete) responseEnded();
    }

    private void relayBody(ByteBuf body) {
        int n = body.readableBytes();
        exchange.bytesOut += n;
        metrics.bytesSent.add(n);
        rawOut().write(body, ctx.voidPromise());
    }

    /** HTTP/2 streams: the response as Netty's objects, which the stream codec turns into frames. */
    private void relayObject(Channel from, HttpObject part) {
        if (part.decoderResult().isFailure()) {
            log.warn("Invalid response from upstream {}: {}", upstreamDialer, part.decoderResult().cause().toString());
            ReferenceCountUtil.release(part);
            from.close(); // → onUpstreamInactive answers 502, or cuts the response short
            return;
        }
        if (part instanceof HttpResponse response) {
            int status = response.status().code();
            if (status >= 100 && status < 200) { // interim (HTTP/2 streams never switch protocols)
                exchange.skipInterimLast = !(part instanceof LastHttpContent);
                if (status == 100 && exchange.expectContinue) {
                    // Full, so the HTTP/2 codec sends it as a non-final HEADERS frame.
                    ctx.writeAndFlush(new DefaultFullHttpResponse(response.protocolVersion(), HttpResponseStatus.CONTINUE),
                            ctx.voidPromise());
                }
                ReferenceCountUtil.release(part);
                return;
            }
            boolean bodyAllowed = !exchange.head && status != 204 && status != 304;
            exchange.keepAlive = ProxyHeaders.prepareResponse(response, exchange.keepAlive, bodyAllowed, exchange.http10);
            exchange.responseStarted = true;
            exchange.status = status;
        } else if (exchange.skipInterimLast) {
            exchange.skipInterimLast = false;
            ReferenceCountUtil.release(part);
            return;
        }
        if (part instanceof HttpContent content) {
            int n = content.content().readableBytes();
            exchange.bytesOut += n;
            metrics.bytesSent.add(n);
        }
        ctx.write(part, ctx.voidPromise());
        if (part instanceof LastHttpContent) responseEnded();
    }

    private void responseEnded() {
        if (upstream != null && !UpstreamCodec.reusable(upstream)) {
            closeUpstream(); // the next request dials afresh
            ctx.flush(); // the upstream's read-complete, which flushes the response, may not come once it is closed
        }
        exchange.responseDone = true;
        logExchange(exchange);
        finishIfDone();
    }

    /**
     * Where relayed bytes are written: below the HTTP/1.1 codec, whose encoder they skip (they are HTTP already). The
     * codec writes its own objects to the same place, synchronously, so the two kinds of writes keep their order.
     */
    private ChannelHandlerContext rawOut() {
        if (rawOut == null) rawOut = ctx.pipeline().context(Http1ServerCodec.class);
        return rawOut;
    }

    /**
     * The upstream switched protocols (101 relayed): from here both legs are raw byte pipes, so the HTTP codecs come
     * out of both pipelines. Bytes the upstream sent right behind the 101 were decoded as raw already (the client
     * codec knows a 101 ends HTTP) or leave the codec's buffer on removal, and reach {@link #onUpstreamRead} as such.
     */
    private void switchToTunnel(Channel from) {
        Exchange ex = exchange;
        tunnel = true;
        exchange = null;
        ctx.flush();
        // Removing a decoder hands on the bytes it holds; they must not meet the other leg's HTTP encoder, which is
        // still in place for a moment: they wait here until both pipelines are raw.
        switching = new Switch();
        ChannelPipeline down = ctx.pipeline();
        if (down.get(HttpServerUpgradeHandler.class) != null) down.remove(HttpServerUpgradeHandler.class);
        if (down.get(Http1ServerCodec.class) != null) down.remove(Http1ServerCodec.class);
        if (down.get(HeaderTimeout.class) != null) down.remove(HeaderTimeout.class);
        headerTimeout = null;
        headerTimeoutFound = true;
        if (from.pipeline().get(UpstreamCodec.class) != null) from.pipeline().remove(UpstreamCodec.class);
        Switch done = switching;
        switching = null;
        while (!done.toClient.isEmpty()) ctx.write(done.toClient.poll(), ctx.voidPromise());
        ctx.flush();
        if (upstream != null) {
            while (!done.toUpstream.isEmpty()) upstream.write(done.toUpstream.poll(), upstream.voidPromise());
            upstream.flush();
            upstream.config().setAutoRead(ctx.channel().isWritable());
        } else {
            done.toUpstream.forEach(ReferenceCountUtil::release);
        }
        releaseAll(pipelined); // a client that pipelines behind an upgrade request has broken the protocol
        metrics.webSocketsTotal.increment();
        metrics.webSocketsOpen.incrementAndGet();
        ex.responseDone = true;
        logExchange(ex);
        updateReading();
    }

    /** Bytes that arrive on either leg while the codecs come out (see {@link #switchToTunnel}). */
    private static final class Switch {
        final ArrayDeque<ByteBuf> toClient = new ArrayDeque<>();
        final ArrayDeque<ByteBuf> toUpstream = new ArrayDeque<>();
    }

    void onUpstreamReadComplete() { ctx.flush(); }

    /** The upstream's response is not valid HTTP (the connection closes next): the client is told why. */
    void onUpstreamInvalid(Channel from, String why) {
        if (from != upstream) return;
        log.warn("Invalid response from upstream {}: {}", upstreamDialer, why);
        invalidResponse = why;
    }

    void onUpstreamWritabilityChanged() { updateReading(); }

    void onUpstreamInactive(Channel from) {
        if (from != upstream) return;
        // What the upstream sent last goes out now: an HTTP/2 upstream stream that ends with its last frame is closed
        // before its read completes, so the flush in onUpstreamReadComplete does not come.
        ctx.flush();
        upstream = null;
        upstreamDialer = null;
        String invalid = invalidResponse;
        invalidResponse = null;
        if (tunnel) { // the server ended the upgraded connection: deliver what it sent, then close
            closing = true;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (exchange != null && !exchange.local) {
            if (!exchange.responseStarted) {
                respondLocally(invalid != null ? EdgeError.upstreamInvalidResponse(exchange.sandboxId, exchange.port, invalid)
                        : h2cConnection != null && !h2cConnection.spokeHttp2 ? EdgeError.upstreamNotHttp2(exchange.sandboxId, exchange.port)
                        : EdgeError.upstreamFailed(exchange.sandboxId, exchange.port));
            } else if (!exchange.responseDone) {
                // Cut mid-response: close (HTTP/2: reset the stream) so the client cannot take it for complete.
                exchange.edgeCode = "upstream_cut";
                logExchange(exchange);
                ctx.close();
                return;
            } else {
                exchange.local = true; // answered early; drop the rest of the request body
            }
        }
        updateReading();
    }

    // ---- answers and exchange life cycle -------------------------------------------------------------------

    private void respondLocally(EdgeError error) {
        respondLocally(ErrorResponses.render(error, exchange.browser), error.status(), error.code());
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

    private void respondLocally(HttpResponse response, int status, String code) {
        Exchange ex = exchange;
        ex.local = true;
        ex.responseStarted = true;
        ex.responseDone = true;
        ex.status = status;
        ex.edgeCode = code;
        logExchange(ex);
        releaseAll(unsent);
        // A client waiting for 100 Continue will not send its body; closing is the only way to stay in step.
        boolean closeNow = !http2 && (!ex.keepAlive || (ex.expectContinue && !ex.requestDone));
        applyConnectionHeaders(response, !closeNow);
        if (!http2) ((Http1ServerCodec) rawOut().handler()).answeringHead(ex.head);
        if (closeNow) {
            closing = true;
            releaseAll(pipelined);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            updateReading();
            return;
        }
        ctx.writeAndFlush(response, ctx.voidPromise());
        finishIfDone();
    }

    private void finishIfDone() {
        if (exchange == null || !exchange.requestDone || !exchange.responseDone) return;
        boolean keepAlive = exchange.keepAlive;
        exchange = null;
        HeaderTimeout headerTimeout = headerTimeout();
        if (headerTimeout != null) headerTimeout.exchangeEnded();
        if (closing) return; // the close is already on its way
        if (!keepAlive && !http2) {
            closing = true;
            releaseAll(pipelined);
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        drainPipelined();
    }

    /** Starts the requests that queued up behind the exchange that just ended. */
    private void drainPipelined() {
        if (draining) return; // an exchange finishing inside the loop below: the loop goes on by itself
        draining = true;
        try {
            while (!pipelined.isEmpty() && !closing) {
                if (exchange != null && pipelined.peek() instanceof HttpRequest) break;
                handle(pipelined.poll());
            }
        } finally {
            draining = false;
        }
        if (upstream != null) upstream.flush();
        updateReading();
    }

    /** Reads from the client only when there is somewhere for the bytes to go (see the class diagram). */
    private void updateReading() {
        // A finished request whose response is still coming does not stop reading: the next request (if the client
        // pipelines) lands in `pipelined`, which stops reading. So plain keep-alive traffic never toggles autoRead
        // (each toggle is an epoll_ctl call), and at most one socket read of pipelined requests is held.
        // An upgrade request is the exception: what follows it is another protocol, read only once the codecs are out.
        boolean want = tunnel ? !closing && upstream != null && upstream.isWritable() : !closing && pipelined.isEmpty()
                && (exchange == null || (exchange.requestDone && exchange.upgrade == null) || exchange.local
                        || (upstream != null && upstream.isWritable()));
        if (want != reading) {
            reading = want;
            ctx.channel().config().setAutoRead(want);
        }
    }

    private void applyConnectionHeaders(HttpResponse response, boolean keepAlive) {
        if (http2) return; // connection management is HTTP/1's; the HTTP/2 codec drops these headers anyway
        if (exchange.http10) response.setProtocolVersion(HttpVersion.HTTP_1_0);
        HttpUtil.setKeepAlive(response, keepAlive);
    }

    private EdgeError malformed(Throwable cause) {
        if (cause instanceof TooLongHttpHeaderException) return EdgeError.headerTooLarge(maxHeaderSize);
        if (cause instanceof TooLongHttpLineException) {
            return new EdgeError(414, "uri_too_long", "The request line is too long. Send long data in the body instead.",
                    null, null, null, EdgeError.Style.TYPED);
        }
        return EdgeError.badRequest("The request is not valid HTTP: " + cause.getMessage());
    }

    // ---- connection events ---------------------------------------------------------------------------------

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (upstream != null) upstream.config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (tunnel) {
            tunnel = false;
            metrics.webSocketsOpen.decrementAndGet();
        }
        closeUpstream();
        releaseAll(unsent);
        releaseAll(pipelined);
        exchange = null;
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // The plain port switched this connection to HTTP/2 (h2c): streams get their own DownstreamHandlers.
        if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent
                || evt == CleartextHttp2Detector.PRIOR_KNOWLEDGE) {
            if (ctx.pipeline().get(HeaderTimeout.class) != null) ctx.pipeline().remove(HeaderTimeout.class);
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Client connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    /** The access log line and the request metrics, once per exchange. Never a query string, never a header value. */
    private void logExchange(Exchange ex) {
        if (ex.logged) return;
        ex.logged = true;
        metrics.request(ex.target, ex.status, ex.edgeCode);
        if (ex.via != null) {
            Channel client = http2 ? ctx.channel().parent() : ctx.channel();
            router.audit().accessed(ex.sandboxId, ex.port, ex.via, ex.linkId, clientIp(client), ex.status);
        }
        if (!logAccess || !accessLog.isInfoEnabled()) return;
        Channel connection = http2 ? ctx.channel().parent() : ctx.channel();
        accessLog.info("{} \"{} {}{} {}\" {} {} {}ms{}", clientIp(connection), ex.method, ex.host, ex.path,
                http2 ? "HTTP/2" : ex.http10 ? "HTTP/1.0" : "HTTP/1.1", ex.status, ex.bytesOut,
                (System.nanoTime() - ex.started) / 1_000_000, ex.edgeCode == null ? "" : " " + ex.edgeCode);
    }

    private static void releaseAll(ArrayDeque<HttpObject> parts) {
        while (!parts.isEmpty()) ReferenceCountUtil.release(parts.poll());
    }

    /** Whether a request is a browser navigation; the User-Agent test is kept per connection, whose agent rarely changes. */
    private boolean browserNavigation(HttpRequest request) {
        String userAgent = request.headers().get(HttpHeaderNames.USER_AGENT);
        if (userAgent == null) return false;
        if (!userAgent.equals(lastUserAgent)) {
            lastUserAgent = userAgent;
            lastUserAgentIsBrowser = ErrorResponses.isBrowserAgent(userAgent);
        }
        return ErrorResponses.isBrowserNavigation(request.headers(), lastUserAgentIsBrowser);
    }

    /** The pipeline's HeaderTimeout, looked up once (it only ever leaves, with the HTTP codec, after a 101 or h2c). */
    private HeaderTimeout headerTimeout() {
        if (!headerTimeoutFound) {
            headerTimeout = ctx.pipeline().get(HeaderTimeout.class);
            headerTimeoutFound = true;
        }
        return headerTimeout;
    }

    private String clientIp(Channel connection) {
        if (clientIp == null) {
            clientIp = connection.remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress().getHostAddress() : "unknown";
        }
        return clientIp;
    }

    private String localPort(Channel connection) {
        if (localPort == null) {
            localPort = connection.localAddress() instanceof InetSocketAddress local ? Integer.toString(local.getPort()) : "0";
        }
        return localPort;
    }
}
