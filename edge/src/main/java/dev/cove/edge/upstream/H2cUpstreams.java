package dev.cove.edge.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2ConnectionPrefaceAndSettingsFrameWrittenEvent;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The h2c connections to sandbox ports that one HTTP/2 client connection's gRPC calls share: one per port, dialed by
 * the first call and used by the calls after it, each on its own stream, as the client multiplexes its calls on one
 * connection too (a connection per call would leave a closed socket in the sandbox per call). They close with the
 * client connection. All of it runs on the client connection's event loop, which its streams share: no locks.
 */
public final class H2cUpstreams {
    private static final Logger log = LoggerFactory.getLogger(H2cUpstreams.class);
    private static final AttributeKey<H2cUpstreams> KEY = AttributeKey.valueOf("cove.h2cUpstreams");

    private final Map<UpstreamDialer, Connection> byDialer = new HashMap<>();
    /** The client connection has closed: a connection dialed now (by a stream still finishing) is closed once up. */
    private boolean closed;

    /** The shared connections of {@code client} (an HTTP/2 connection: the parent of its stream channels). */
    public static H2cUpstreams of(Channel client) {
        H2cUpstreams upstreams = client.attr(KEY).get();
        if (upstreams == null) {
            H2cUpstreams created = new H2cUpstreams();
            client.attr(KEY).set(created);
            client.closeFuture().addListener(closed -> created.closeAll());
            upstreams = created;
        }
        return upstreams;
    }

    /** The open (or opening) connection to what {@code dialer} reaches, or null when there is none. */
    public Connection get(UpstreamDialer dialer) {
        return byDialer.get(dialer);
    }

    /** Dials a new connection and shares it from now on, until it closes. */
    public Connection dial(UpstreamDialer dialer, EventLoop loop) {
        Connection connection = new Connection(loop, retired -> byDialer.remove(dialer, retired));
        if (!closed) byDialer.put(dialer, connection);
        connection.dialed = dialer.dial(loop, new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                // The connection's own frames (settings, pings) are always read; backpressure is per stream (the
                // stream channel's autoRead, HTTP/2 flow control). The dialer hands the channel over with reading off.
                ch.config().setAutoRead(true);
                ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false)).build(),
                        new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()), connection);
            }
        });
        connection.dialed.addListener(done -> {
            if (done.isSuccess()) {
                connection.dialed.getNow().closeFuture().addListener(gone -> connection.retire());
            } else {
                connection.retire();
                connection.ready.tryFailure(done.cause());
            }
        });
        if (closed) closeWhenDialed(connection);
        return connection;
    }

    /** The client connection has closed: so do its upstream connections, also those still being dialed. */
    private void closeAll() {
        closed = true;
        for (Connection connection : new ArrayList<>(byDialer.values())) closeWhenDialed(connection);
        byDialer.clear();
    }

    private static void closeWhenDialed(Connection connection) {
        connection.dialed.addListener(done -> {
            if (done.isSuccess()) connection.dialed.getNow().close();
        });
    }

    /**
     * One shared connection, and the last handler of its pipeline: it sees the connection's own frames and events. It
     * is {@linkplain #ready} once the client preface has gone out (a stream's frames may only follow it, and the dial
     * can complete before the channel is active), notes whether the server sent its HTTP/2 settings (a server that
     * closes without them does not speak HTTP/2), and leaves the shared set when the server closes it or says GOAWAY.
     */
    public static final class Connection extends ChannelInboundHandlerAdapter {
        public final Promise<Channel> ready;
        public Future<Channel> dialed;
        public boolean spokeHttp2;
        /** Takes it out of the shared set: new calls dial a new connection. */
        private final Consumer<Connection> retirement;
        private boolean retired;

        private Connection(EventLoop loop, Consumer<Connection> retirement) {
            this.ready = loop.newPromise();
            this.retirement = retirement;
        }

        private void retire() {
            if (retired) return;
            retired = true;
            retirement.accept(this);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ConnectionPrefaceAndSettingsFrameWrittenEvent) ready.trySuccess(ctx.channel());
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2SettingsFrame) spokeHttp2 = true;
            // The server is going away (a dev server reloading, say): calls in flight finish on this connection, and no
            // new stream may open on it, so the next call gets a new one.
            if (msg instanceof Http2GoAwayFrame) retire();
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ready.tryFailure(new ClosedChannelException());
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("h2c upstream connection {} failed: {}", ctx.channel(), cause.toString());
            ctx.close();
        }
    }
}
