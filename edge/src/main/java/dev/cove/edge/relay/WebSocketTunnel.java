package dev.cove.edge.relay;

import dev.cove.edge.connection.HeaderTimeout;
import dev.cove.edge.http.Http1ServerCodec;
import dev.cove.edge.http.UpstreamCodec;
import dev.cove.edge.metrics.EdgeMetrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;

/**
 * An HTTP/1.1 connection after the upstream switched protocols (101 relayed; WebSocket or another upgraded protocol):
 * both legs are raw byte pipes, as in Netty's HexDumpProxy. The HTTP codecs leave both pipelines, and the tunnel's
 * two handlers take the places of {@link DownstreamHandler} and {@link Http1Relay}. A slow side stops the other from
 * reading (autoRead follows the other leg's writability), so nothing is buffered beyond one socket read.
 */
public final class WebSocketTunnel {
    private static final Logger log = LoggerFactory.getLogger(WebSocketTunnel.class);

    private final EdgeMetrics metrics;
    private final Channel upstream;
    private final ClientSide clientSide = new ClientSide();
    private final UpstreamSide upstreamSide = new UpstreamSide();
    private ChannelHandlerContext client;
    /**
     * Bytes that arrive on either leg while the codecs come out: removing a decoder hands on the bytes it holds, and
     * they must not meet the other leg's HTTP encoder, which is still in place for a moment. Null once both are raw.
     */
    private ArrayDeque<ByteBuf> toClient = new ArrayDeque<>();
    private ArrayDeque<ByteBuf> toUpstream = new ArrayDeque<>();
    private boolean upstreamOpen = true;
    private boolean clientOpen = true;
    private boolean closing;

    private WebSocketTunnel(EdgeMetrics metrics, Channel upstream) {
        this.metrics = metrics;
        this.upstream = upstream;
    }

    /**
     * Turns both connections into the tunnel: {@code downstream} (the client pipeline's handler) and {@code relay}
     * (the upstream pipeline's) are replaced, then the HTTP handlers of both pipelines come out. Bytes the upstream
     * sent right behind the 101 were decoded as raw already (the codec knows a 101 ends HTTP) or leave the codec's
     * buffer on removal, and reach the tunnel as such.
     */
    static void open(ChannelHandlerContext downstream, ChannelHandlerContext relay, EdgeMetrics metrics) {
        WebSocketTunnel tunnel = new WebSocketTunnel(metrics, relay.channel());
        ChannelPipeline down = downstream.pipeline();
        down.replace(downstream.handler(), null, tunnel.clientSide);
        relay.pipeline().replace(relay.handler(), null, tunnel.upstreamSide);
        if (down.get(HttpServerUpgradeHandler.class) != null) down.remove(HttpServerUpgradeHandler.class);
        if (down.get(Http1ServerCodec.class) != null) down.remove(Http1ServerCodec.class);
        if (down.get(HeaderTimeout.class) != null) down.remove(HeaderTimeout.class);
        if (tunnel.upstream.pipeline().get(UpstreamCodec.class) != null) tunnel.upstream.pipeline().remove(UpstreamCodec.class);
        tunnel.switched();
    }

    /** Both pipelines are raw: what arrived meanwhile goes on, and reading follows writability from here. */
    private void switched() {
        ArrayDeque<ByteBuf> held = toClient;
        toClient = null;
        while (!held.isEmpty()) client.write(held.poll(), client.voidPromise());
        client.flush();
        held = toUpstream;
        toUpstream = null;
        while (!held.isEmpty()) upstream.write(held.poll(), upstream.voidPromise());
        upstream.flush();
        upstream.config().setAutoRead(client.channel().isWritable());
        metrics.webSocketsTotal.increment();
        metrics.webSocketsOpen.incrementAndGet();
        updateReading();
    }

    /** Reads from the client only while the upstream takes bytes. */
    private void updateReading() {
        boolean want = !closing && upstreamOpen && upstream.isWritable();
        if (want != client.channel().config().isAutoRead()) client.channel().config().setAutoRead(want);
    }

    /** Takes the place of {@link DownstreamHandler}: client bytes go to the upstream. */
    private final class ClientSide extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            client = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (upstreamOpen && msg instanceof ByteBuf bytes) {
                metrics.bytesReceived.add(bytes.readableBytes());
                if (toUpstream != null) toUpstream.add(bytes); // the codecs are coming out right now
                else upstream.write(bytes, upstream.voidPromise());
            } else {
                ReferenceCountUtil.release(msg);
            }
            updateReading();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (upstreamOpen) upstream.flush(); // one flush per read batch, not per message
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (upstreamOpen) upstream.config().setAutoRead(ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            clientOpen = false;
            metrics.webSocketsOpen.decrementAndGet();
            upstream.close();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("Client connection {} failed: {}", ctx.channel(), cause.toString());
            ctx.close();
        }
    }

    /** Takes the place of {@link Http1Relay}: upstream bytes go to the client. */
    private final class UpstreamSide extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (clientOpen && msg instanceof ByteBuf bytes) {
                metrics.bytesSent.add(bytes.readableBytes());
                if (toClient != null) toClient.add(bytes);
                else client.write(bytes, client.voidPromise());
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            client.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            updateReading();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!clientOpen) return;
            // The server ended the upgraded connection: deliver what it sent, then close.
            upstreamOpen = false;
            closing = true;
            client.flush();
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("Upstream connection {} failed: {}", ctx.channel(), cause.toString());
            ctx.close();
        }
    }
}
