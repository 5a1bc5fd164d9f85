package dev.cove.edge.relay;

import dev.cove.edge.http.ResponseHead;
import dev.cove.edge.metrics.EdgeMetrics;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an upstream connection's pipeline: relays the response to the client of its
 * {@link DownstreamHandler}, which owns the exchange. Both legs run on the same event loop: no locks. The response
 * arrives in one of two forms, hence one subclass each: bytes already framed for an HTTP/1.1 client
 * ({@link Http1Relay}), or Netty's objects for an HTTP/2 stream ({@link Http2Relay}).
 */
public abstract class UpstreamRelay extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(UpstreamRelay.class);

    final DownstreamHandler downstream;
    final EdgeMetrics metrics;

    UpstreamRelay(DownstreamHandler downstream, EdgeMetrics metrics) {
        this.downstream = downstream;
        this.metrics = metrics;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        downstream.client().flush(); // one flush per read batch, not per message
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        downstream.updateReading();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        downstream.upstreamClosed(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ResponseHead.InvalidResponse invalid) downstream.upstreamInvalid(ctx.channel(), invalid.getMessage());
        else log.debug("Upstream connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close(); // → channelInactive, where the downstream decides what the client sees
    }
}
