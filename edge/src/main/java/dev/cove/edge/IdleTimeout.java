package dev.cove.edge;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection after no traffic either way for the idle timeout (HTTP/2: the frame codec's close sends
 * GOAWAY first). Nothing else limits a connection's life: a WebSocket or a stream that moves bytes lives as long as
 * it likes. Cheaper than Netty's IdleStateHandler, which wraps every write's promise to watch its completion: here
 * a write counts when it is issued (a client that stops reading stops the writes too, through backpressure).
 */
final class IdleTimeout extends ChannelDuplexHandler {
    private final long timeoutNanos;
    private long lastActivity;
    private ScheduledFuture<?> check;

    IdleTimeout(long timeoutMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) start(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (check != null) return;
        lastActivity = System.nanoTime();
        check = ctx.executor().schedule(() -> check(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        if (!ctx.channel().isOpen()) return;
        long idle = System.nanoTime() - lastActivity;
        if (idle >= timeoutNanos) {
            ctx.close();
        } else {
            check = ctx.executor().schedule(() -> check(ctx), timeoutNanos - idle, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastActivity = System.nanoTime();
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        lastActivity = System.nanoTime();
        ctx.write(msg, promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) { cancel(); }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void cancel() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }
}
