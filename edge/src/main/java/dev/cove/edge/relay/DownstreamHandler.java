package dev.cove.edge.relay;

import dev.cove.edge.connection.ConnectionLimits;
import dev.cove.edge.connection.HeaderTimeout;
import dev.cove.edge.http.CleartextHttp2Detector;
import dev.cove.edge.http.EdgeError;
import dev.cove.edge.http.ErrorResponses;
import dev.cove.edge.http.Http1ServerCodec;
import dev.cove.edge.http.RequestForm;
import dev.cove.edge.http.UpstreamCodec;
import dev.cove.edge.metrics.EdgeMetrics;
import dev.cove.edge.routing.Router;
import dev.cove.edge.upstream.UpstreamDialer;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;

/**
 * The client side of the proxy: one instance per HTTP/1.1 connection, or per HTTP/2 stream (below
 * {@code Http2StreamFrameToHttpObjectCodec}, so both see the same {@link HttpObject}s). It has each request dispatched
 * on the {@link Router}'s decision ({@link RouteDispatch}): answered by the edge, or sent through the
 * {@link UpstreamLeg}, whose relay ({@link Http1Relay}, {@link Http2Relay}) brings the response back; after a 101 a
 * {@link WebSocketTunnel} takes its place. It runs the exchanges' life cycle (HTTP/1.1 pipelining is serialised) and
 * reports each to the {@link ExchangeLog}. Both legs run on the same event loop: no locks.
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
 *   client ◀──write── [codec] ◀── Http1Relay / Http2Relay ◀──read── upstream ◀── control plane
 *      │                              │
 *      └── client not writable ───────┴──▶ upstream.autoRead = false, until the client drains
 *
 * On HTTP/2 "not writable" is the stream's flow-control window, and a stream channel with autoRead off stops
 * returning WINDOW_UPDATEs, so the client's sender stalls as well.
 * </pre>
 */
public final class DownstreamHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(DownstreamHandler.class);
    private final RouteDispatch dispatch;
    private final int maxHeaderSize;
    private final EdgeMetrics metrics;
    private final ConnectionLimits limits;
    private final ExchangeLog exchangeLog;
    private final UpstreamLeg upstream;

    private ChannelHandlerContext ctx;
    private ClientFacts client;
    /** The request being answered; null between requests. */
    private Exchange exchange;
    /** Parts of requests that arrived while an earlier exchange was still running (HTTP/1.1 pipelining). */
    private final ArrayDeque<HttpObject> pipelined = new ArrayDeque<>();
    /** This connection's header timer (HTTP/1.1), found once; null on HTTP/2 streams and once it has left. */
    private HeaderTimeout headerTimeout;
    private boolean headerTimeoutFound;
    private boolean reading = true;
    private boolean draining;
    private boolean closing;
    /** The HTTP/1.1 codec's context, where relayed response bytes are written (see {@link #rawOut}). */
    private ChannelHandlerContext rawOut;
    /** Why the upstream's response was refused, until its connection's close is handled. */
    private String invalidResponse;

    public DownstreamHandler(Router router, int maxHeaderSize, EdgeMetrics metrics, ConnectionLimits limits, ExchangeLog exchangeLog) {
        this.maxHeaderSize = maxHeaderSize;
        this.metrics = metrics;
        this.limits = limits;
        this.exchangeLog = exchangeLog;
        this.upstream = new UpstreamLeg(this, metrics, limits, exchangeLog.accessLogOn());
        this.dispatch = new RouteDispatch(this, router, metrics, upstream);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.client = new ClientFacts(ctx.channel());
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
        upstream.flush(); // one flush per read batch, not per message
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
        exchange = new Exchange(request, client.browserNavigation(request), exchangeLog.accessLogOn());
        HeaderTimeout headerTimeout = headerTimeout();
        if (headerTimeout != null) headerTimeout.headerReceived();
        if (request.decoderResult().isFailure()) {
            exchange.keepAlive = false; // the decoder has lost its place in the byte stream
            respondLocally(EdgeError.malformed(request.decoderResult().cause(), maxHeaderSize));
        } else if (RequestForm.refusal(request, client.http2) instanceof EdgeError refused) {
            exchange.keepAlive &= refused.status() != 505; // another protocol's framing: the connection ends
            respondLocally(refused);
        } else if (ConnectionLimits.overLimit(client.connection)) {
            exchange.keepAlive = false;
            metrics.connectionsRefused.increment();
            respondLocally(EdgeError.rateLimited(null, null, "This Cove server has too many open connections ("
                    + limits.maxConnections + "). Retry in a moment.", limits.maxConnections, ConnectionLimits.RETRY_AFTER_SECONDS));
        } else {
            dispatch.dispatch(request);
        }
        forward(request);
    }

    /** Sends a part of the current request on, or drops it when the edge answers the request itself. */
    private void forward(HttpObject part) {
        if (part instanceof HttpContent content) metrics.bytesReceived.add(content.content().readableBytes());
        if (exchange.local) ReferenceCountUtil.release(part);
        else upstream.send(part);
        if (part instanceof LastHttpContent) {
            exchange.requestDone = true;
            finishIfDone();
        }
    }

    // ---- what the upstream leg and its relays see of the client side ----------------------------------------

    ChannelHandlerContext client() { return ctx; }

    boolean http2() { return client.http2; }

    ClientFacts facts() { return client; }

    /** Whether the connection is on its way to close: nothing more is answered on it. */
    boolean closing() { return closing; }

    Exchange exchange() { return exchange; }

    UpstreamDialer upstreamDialer() { return upstream.dialer(); }

    boolean isUpstream(Channel from) { return from == upstream.channel(); }

    /** Whether {@code from} is the current upstream and the current exchange waits for (the rest of) its response. */
    boolean awaitsResponseFrom(Channel from) {
        return from == upstream.channel() && exchange != null && !exchange.local && !exchange.responseDone;
    }

    /**
     * Where relayed bytes are written: below the HTTP/1.1 codec, whose encoder they skip (they are HTTP already). The
     * codec writes its own objects to the same place, synchronously, so the two kinds of writes keep their order.
     */
    ChannelHandlerContext rawOut() {
        if (rawOut == null) rawOut = ctx.pipeline().context(Http1ServerCodec.class);
        return rawOut;
    }

    void responseEnded() {
        Channel connection = upstream.channel();
        if (connection != null && !UpstreamCodec.reusable(connection)) {
            upstream.close(); // the next request dials afresh
            ctx.flush(); // the upstream's read-complete, which flushes the response, may not come once it is closed
        }
        exchange.responseDone = true;
        exchangeLog.ended(exchange, client);
        finishIfDone();
    }

    /** The upstream switched protocols (101 relayed): both connections become a {@link WebSocketTunnel}. */
    void switchToTunnel(ChannelHandlerContext relay) {
        Exchange ex = exchange;
        exchange = null;
        ctx.flush();
        WebSocketTunnel.open(ctx, relay, metrics);
        upstream.handedOver();
        releaseAll(pipelined); // a client that pipelines behind an upgrade request has broken the protocol
        ex.responseDone = true;
        exchangeLog.ended(ex, client);
    }

    /** The upstream's response is not valid HTTP (the connection closes next): the client is told why. */
    void upstreamInvalid(Channel from, String why) {
        if (from != upstream.channel()) return;
        log.warn("Invalid response from upstream {}: {}", upstream.dialer(), why);
        invalidResponse = why;
    }

    void upstreamClosed(Channel from) {
        if (from != upstream.channel()) return;
        // What the upstream sent last goes out now: an HTTP/2 upstream stream that ends with its last frame is closed
        // before its read completes, so the flush in the relay's channelReadComplete does not come.
        ctx.flush();
        upstream.closed();
        String invalid = invalidResponse;
        invalidResponse = null;
        if (exchange != null && !exchange.local) {
            if (!exchange.responseStarted) {
                respondLocally(invalid != null ? EdgeError.upstreamInvalidResponse(exchange.sandboxId, exchange.port, invalid)
                        : upstream.notHttp2() ? EdgeError.upstreamNotHttp2(exchange.sandboxId, exchange.port)
                        : EdgeError.upstreamFailed(exchange.sandboxId, exchange.port));
            } else if (!exchange.responseDone) {
                // Cut mid-response: close (HTTP/2: reset the stream) so the client cannot take it for complete.
                exchange.edgeCode = "upstream_cut";
                exchangeLog.ended(exchange, client);
                ctx.close();
                return;
            } else {
                exchange.local = true; // answered early; drop the rest of the request body
            }
        }
        updateReading();
    }

    void refuseOverSandboxLimit(String sandbox) {
        metrics.connectionsRefused.increment();
        respondLocally(EdgeError.rateLimited(exchange.sandboxId, exchange.port, "Sandbox " + sandbox
                + " has too many open connections (" + limits.maxPerSandbox + "). Retry in a moment.",
                limits.maxPerSandbox, ConnectionLimits.RETRY_AFTER_SECONDS));
    }

    // ---- answers and exchange life cycle -------------------------------------------------------------------

    void respondLocally(EdgeError error) {
        respondLocally(ErrorResponses.render(error, exchange.browser), error.status(), error.code());
    }

    void respondLocally(HttpResponse response, int status, String code) {
        Exchange ex = exchange;
        ex.local = true;
        ex.responseStarted = true;
        ex.responseDone = true;
        ex.status = status;
        ex.edgeCode = code;
        exchangeLog.ended(ex, client);
        upstream.dropUnsent();
        // A client waiting for 100 Continue will not send its body; closing is the only way to stay in step.
        boolean closeNow = !client.http2 && (!ex.keepAlive || (ex.expectContinue && !ex.requestDone));
        if (!client.http2) { // connection management is HTTP/1's; the HTTP/2 codec drops these headers anyway
            if (ex.http10) response.setProtocolVersion(HttpVersion.HTTP_1_0);
            HttpUtil.setKeepAlive(response, !closeNow);
            ((Http1ServerCodec) rawOut().handler()).answeringHead(ex.head);
        }
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
        if (!keepAlive && !client.http2) {
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
        upstream.flush();
        updateReading();
    }

    /** Reads from the client only when there is somewhere for the bytes to go (see the class diagram). */
    void updateReading() {
        // A finished request whose response is still coming does not stop reading: the next request (if the client
        // pipelines) lands in `pipelined`, which stops reading. So plain keep-alive traffic never toggles autoRead
        // (each toggle is an epoll_ctl call), and at most one socket read of pipelined requests is held.
        // An upgrade request is the exception: what follows it is another protocol, read only once the codecs are out.
        Channel connection = upstream.channel();
        boolean want = !closing && pipelined.isEmpty()
                && (exchange == null || (exchange.requestDone && exchange.upgrade == null) || exchange.local
                        || (connection != null && connection.isWritable()));
        if (want != reading) {
            reading = want;
            ctx.channel().config().setAutoRead(want);
        }
    }

    // ---- connection events ---------------------------------------------------------------------------------

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Channel connection = upstream.channel();
        if (connection != null) connection.config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        upstream.close();
        upstream.dropUnsent();
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

    private static void releaseAll(ArrayDeque<HttpObject> parts) {
        while (!parts.isEmpty()) ReferenceCountUtil.release(parts.poll());
    }

    /** The pipeline's HeaderTimeout, looked up once (it only ever leaves, with the HTTP codec, after a 101 or h2c). */
    private HeaderTimeout headerTimeout() {
        if (!headerTimeoutFound) {
            headerTimeout = ctx.pipeline().get(HeaderTimeout.class);
            headerTimeoutFound = true;
        }
        return headerTimeout;
    }
}
