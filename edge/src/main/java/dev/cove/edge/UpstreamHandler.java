package dev.cove.edge;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream side of the proxy, below {@link UpstreamCodec} (or, for HTTP/2 streams, {@code HttpClientCodec}). It only reports to its {@link DownstreamHandler},
 * which owns the exchange state; both run on the same event loop.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(UpstreamHandler.class);

    private final DownstreamHandler downstream;

    UpstreamHandler(DownstreamHandler downstream) {
        this.downstream = downstream;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        downstream.onUpstreamRead(ctx.channel(), msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        downstream.onUpstreamReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        downstream.onUpstreamWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        downstream.onUpstreamInactive(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ResponseHead.InvalidResponse invalid) downstream.onUpstreamInvalid(ctx.channel(), invalid.getMessage());
        else log.debug("Upstream connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close(); // → channelInactive, where the downstream decides what the client sees
    }
}
