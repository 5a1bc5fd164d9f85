package dev.cove.edge;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
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
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
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
 *      │  · the request is complete and its response is not (HTTP/1.1 pipelining is serialised)
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

    private final Router router;
    private final int maxHeaderSize;

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
    private boolean reading = true;
    private boolean draining;
    private boolean closing;

    DownstreamHandler(Router router, int maxHeaderSize) {
        this.router = router;
        this.maxHeaderSize = maxHeaderSize;
    }

    /** State of one request/response pair. */
    private static final class Exchange {
        final boolean http10;
        final boolean head;
        final boolean browser;
        final boolean expectContinue;
        boolean keepAlive;
        String sandboxId;
        Integer port;
        /** Answered by the edge: the rest of the request body is read and dropped. */
        boolean local;
        boolean requestDone;
        boolean responseStarted;
        boolean responseDone;
        /** HttpClientCodec follows a 1xx head with an empty last content that belongs to no client response. */
        boolean skipInterimLast;

        Exchange(HttpRequest request) {
            http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
            head = request.method().equals(HttpMethod.HEAD);
            browser = ErrorResponses.isBrowserNavigation(request.headers());
            expectContinue = HttpUtil.is100ContinueExpected(request);
            keepAlive = HttpUtil.isKeepAlive(request);
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
        exchange = new Exchange(request);
        if (request.decoderResult().isFailure()) {
            exchange.keepAlive = false; // the decoder has lost its place in the byte stream
            respondLocally(malformed(request.decoderResult().cause()));
            forward(request);
            return;
        }
        switch (router.route(request.headers())) {
            case Router.Refuse refuse -> {
                exchange.sandboxId = refuse.error().sandboxId();
                exchange.port = refuse.error().port();
                respondLocally(refuse.error());
            }
            case Router.Proxy proxy -> {
                if (proxy.sandbox() != null) {
                    exchange.sandboxId = proxy.sandbox().sandboxId();
                    exchange.port = proxy.sandbox().port();
                }
                Channel connection = http2 ? ctx.channel().parent() : ctx.channel();
                ProxyHeaders.prepareRequest(request, proxy.agent() ? exchange.sandboxId : null, clientIp(connection),
                        connection.pipeline().get(SslHandler.class) != null, localPort(connection));
                ensureUpstream(proxy.dialer());
            }
        }
        forward(request);
    }

    /** Sends a part of the current request on, or drops it when the edge answers the request itself. */
    private void forward(HttpObject part) {
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
    private void ensureUpstream(UpstreamDialer dialer) {
        if (dialer.equals(upstreamDialer) && (upstream != null || connecting != null)) return;
        closeUpstream();
        upstreamDialer = dialer;
        Future<Channel> dial = dialer.dial(ctx.channel().eventLoop(), new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(
                        new HttpClientCodec(new HttpDecoderConfig()
                                .setMaxHeaderSize(UPSTREAM_MAX_HEADER_SIZE)
                                .setMaxChunkSize(MAX_CHUNK_SIZE), false, false),
                        new UpstreamHandler(DownstreamHandler.this));
            }
        });
        connecting = dial;
        dial.addListener(done -> onUpstreamConnected(dial));
    }

    private void onUpstreamConnected(Future<Channel> dial) {
        if (dial != connecting) { // superseded or the client left meanwhile
            if (dial.isSuccess()) dial.getNow().close();
            return;
        }
        connecting = null;
        if (!dial.isSuccess()) {
            log.warn("Cannot connect upstream ({}): {}", upstreamDialer, dial.cause().toString());
            upstreamDialer = null;
            if (exchange != null && !exchange.local) respondLocally(EdgeError.upstreamFailed(exchange.sandboxId, exchange.port));
            updateReading();
            return;
        }
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
    }

    // ---- upstream → client (called by UpstreamHandler) -----------------------------------------------------

    void onUpstreamRead(Channel from, Object msg) {
        if (from != upstream || exchange == null || exchange.local || exchange.responseDone || !(msg instanceof HttpObject part)) {
            ReferenceCountUtil.release(msg); // nothing asked for it; the connection is out of step
            from.close();
            return;
        }
        if (part.decoderResult().isFailure()) {
            log.warn("Invalid response from upstream {}: {}", upstreamDialer, part.decoderResult().cause().toString());
            ReferenceCountUtil.release(part);
            from.close(); // → onUpstreamInactive answers 502, or cuts the response short
            return;
        }
        if (part instanceof HttpResponse response) {
            int status = response.status().code();
            if (status >= 100 && status < 200) { // interim; 101 cannot happen, Upgrade is never forwarded
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
            applyConnectionHeaders(response, exchange.keepAlive);
            exchange.responseStarted = true;
        } else if (exchange.skipInterimLast) {
            exchange.skipInterimLast = false;
            ReferenceCountUtil.release(part);
            return;
        }
        ctx.write(part, ctx.voidPromise());
        if (part instanceof LastHttpContent) {
            exchange.responseDone = true;
            finishIfDone();
        }
    }

    void onUpstreamReadComplete() { ctx.flush(); }

    void onUpstreamWritabilityChanged() { updateReading(); }

    void onUpstreamInactive(Channel from) {
        if (from != upstream) return;
        upstream = null;
        upstreamDialer = null;
        if (exchange != null && !exchange.local) {
            if (!exchange.responseStarted) {
                respondLocally(EdgeError.upstreamFailed(exchange.sandboxId, exchange.port));
            } else if (!exchange.responseDone) {
                // Cut mid-response: close (HTTP/2: reset the stream) so the client cannot take it for complete.
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
        Exchange ex = exchange;
        ex.local = true;
        ex.responseStarted = true;
        ex.responseDone = true;
        releaseAll(unsent);
        // A client waiting for 100 Continue will not send its body; closing is the only way to stay in step.
        boolean closeNow = !http2 && (!ex.keepAlive || (ex.expectContinue && !ex.requestDone));
        HttpResponse response = ErrorResponses.render(error, ex.browser);
        applyConnectionHeaders(response, !closeNow);
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
        boolean want = !closing && pipelined.isEmpty()
                && (exchange == null || (!exchange.requestDone
                        && (exchange.local || (upstream != null && upstream.isWritable()))));
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
                || evt instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent) {
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Client connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    private static void releaseAll(ArrayDeque<HttpObject> parts) {
        while (!parts.isEmpty()) ReferenceCountUtil.release(parts.poll());
    }

    private static String clientIp(Channel connection) {
        return connection.remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress().getHostAddress() : "unknown";
    }

    private static int localPort(Channel connection) {
        return connection.localAddress() instanceof InetSocketAddress local ? local.getPort() : 0;
    }
}
