package dev.cove.edge.relay;

import dev.cove.edge.connection.ConnectionLimits;
import dev.cove.edge.http.EdgeError;
import dev.cove.edge.http.UpstreamCodec;
import dev.cove.edge.metrics.EdgeMetrics;
import dev.cove.edge.security.SandboxCookieFilter;
import dev.cove.edge.security.SandboxCookies;
import dev.cove.edge.upstream.H2cUpstreams;
import dev.cove.edge.upstream.UpstreamDialer;

import dev.cove.core.CoveException;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;

/**
 * The upstream side of one client connection (or HTTP/2 stream): dials the upstream connection, pins it and reuses it
 * while requests go the same way, holds the request's parts until it is up, and installs the relay that brings the
 * response back ({@link Http1Relay} for an HTTP/1.1 client, {@link Http2Relay} for an HTTP/2 stream). A gRPC call
 * gets a stream of its own on an h2c connection shared per port ({@link H2cUpstreams}). Runs on the client's event loop.
 */
public final class UpstreamLeg {
    private static final Logger log = LoggerFactory.getLogger(UpstreamLeg.class);
    private static final int UPSTREAM_MAX_HEADER_SIZE = 64 * 1024;
    private static final int MAX_CHUNK_SIZE = 16 * 1024;

    private final DownstreamHandler downstream;
    private final EdgeMetrics metrics;
    private final ConnectionLimits limits;
    private final boolean logAccess;
    /** The connected upstream; null while dialing, and once it has closed. */
    private Channel channel;
    private UpstreamDialer dialer;
    private Future<Channel> connecting;
    /** Parts of the current request, held until the upstream connection is up. */
    private final ArrayDeque<HttpObject> unsent = new ArrayDeque<>();
    /** The upstream is a stream on a shared h2c connection (see {@link #openH2cStream}). */
    private boolean h2c;
    /** That connection, whose server may or may not have spoken HTTP/2 (which explains a failure); null otherwise. */
    private H2cUpstreams.Connection h2cConnection;
    /** When the current dial began (for the dial-time histogram). */
    private long dialStarted;

    UpstreamLeg(DownstreamHandler downstream, EdgeMetrics metrics, ConnectionLimits limits, boolean logAccess) {
        this.downstream = downstream;
        this.metrics = metrics;
        this.limits = limits;
        this.logAccess = logAccess;
    }

    /** The connected upstream, or null. */
    Channel channel() { return channel; }

    UpstreamDialer dialer() { return dialer; }

    /** The connection was an h2c one that closed without the server speaking HTTP/2. */
    boolean notHttp2() { return h2cConnection != null && !h2cConnection.spokeHttp2; }

    /** Sends a part of the current request on, or holds it until the upstream is up. */
    void send(HttpObject part) {
        if (channel != null) channel.write(part, channel.voidPromise()); // a failed write closes it: see upstreamClosed
        else unsent.add(part);
    }

    void flush() {
        if (channel != null) channel.flush();
    }

    /** The edge answers the request itself: what it held back is not sent. */
    void dropUnsent() {
        while (!unsent.isEmpty()) ReferenceCountUtil.release(unsent.poll());
    }

    /** Pins one upstream connection per client connection (stream), reused while requests go the same way. */
    void ensure(UpstreamDialer dialer, String limitedSandbox, boolean h2c) {
        if (dialer.equals(this.dialer) && h2c == this.h2c && (channel != null || connecting != null)) return;
        close();
        if (h2c) {
            openH2cStream(dialer, limitedSandbox);
            return;
        }
        if (limitedSandbox != null && !limits.acquire(limitedSandbox)) {
            downstream.refuseOverSandboxLimit(limitedSandbox);
            return;
        }
        ChannelHandlerContext client = downstream.client();
        boolean http2 = downstream.http2();
        this.dialer = dialer;
        dialStarted = System.nanoTime();
        Integer port = downstream.exchange().port;
        Future<Channel> dial = dialer.dial(client.channel().eventLoop(), new ChannelInitializer<>() {
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
                ch.pipeline().addLast(http2 ? new Http2Relay(downstream, metrics) : new Http1Relay(downstream, metrics));
            }
        });
        connecting = dial;
        dial.addListener(done -> {
            if (limitedSandbox != null) holdSlotWhileOpen(dial, limitedSandbox);
            connected(dial);
        });
    }

    /** A sandbox app's cookies are kept to its own host (see {@link SandboxCookies}). */
    private SandboxCookieFilter cookieFilter(String sandboxId, Integer port) {
        return new SandboxCookieFilter(metrics, sandboxId, port, logAccess);
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
        ChannelHandlerContext client = downstream.client();
        H2cUpstreams shared = H2cUpstreams.of(client.channel().parent());
        H2cUpstreams.Connection connection = shared.get(dialer);
        if (connection == null) {
            if (limitedSandbox != null && !limits.acquire(limitedSandbox)) {
                downstream.refuseOverSandboxLimit(limitedSandbox);
                return;
            }
            connection = shared.dial(dialer, client.channel().eventLoop());
            Future<Channel> dial = connection.dialed;
            if (limitedSandbox != null) dial.addListener(done -> holdSlotWhileOpen(dial, limitedSandbox));
        }
        this.dialer = dialer;
        h2c = true;
        h2cConnection = connection;
        dialStarted = System.nanoTime();
        Integer port = downstream.exchange().port;
        Promise<Channel> stream = client.executor().newPromise();
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
                    ch.pipeline().addLast(new Http2Relay(downstream, metrics));
                }
            }).open().addListener(opened -> {
                if (opened.isSuccess()) stream.setSuccess((Channel) opened.getNow());
                else stream.setFailure(opened.cause());
            });
        });
        connecting = stream;
        stream.addListener(done -> connected(stream));
    }

    private void connected(Future<Channel> dial) {
        if (dial != connecting) { // superseded or the client left meanwhile
            if (dial.isSuccess()) dial.getNow().close();
            return;
        }
        connecting = null;
        Exchange exchange = downstream.exchange();
        if (!dial.isSuccess()) {
            EdgeError error;
            if (dial.cause() instanceof CoveException typed && exchange != null) {
                log.debug("Cannot connect upstream ({}): {}", dialer, typed.getMessage());
                error = EdgeError.typed(typed, exchange.sandboxId, exchange.port);
            } else {
                log.warn("Cannot connect upstream ({}): {}", dialer, dial.cause().toString());
                error = exchange == null ? null : EdgeError.upstreamFailed(exchange.sandboxId, exchange.port);
            }
            dialer = null;
            if (exchange != null && !exchange.local) downstream.respondLocally(error);
            downstream.updateReading();
            return;
        }
        metrics.dialed(System.nanoTime() - dialStarted);
        channel = dial.getNow();
        channel.config().setAutoRead(downstream.client().channel().isWritable());
        while (!unsent.isEmpty()) channel.write(unsent.poll(), channel.voidPromise());
        channel.flush();
        downstream.updateReading();
    }

    /**
     * The upstream connection closed: it is forgotten (the next request dials afresh), though what explains its
     * failure ({@link #notHttp2()}) is kept until then.
     */
    void closed() {
        channel = null;
        dialer = null;
    }

    /** The tunnel has taken the connection over: it is no longer this leg's to close. */
    void handedOver() {
        channel = null;
        close();
    }

    void close() {
        Channel old = channel;
        channel = null; // first, so its channelInactive is recognised as stale, not as a failure of this exchange
        if (old != null) old.close();
        connecting = null; // connected() closes it when it completes
        dialer = null;
        h2c = false;
        h2cConnection = null;
    }
}
