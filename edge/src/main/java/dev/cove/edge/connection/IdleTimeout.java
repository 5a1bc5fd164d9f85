package dev.cove.edge.connection;

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
 *
 * <p>Traffic only sets a flag; a check that runs four times per timeout reads the clock. So the hot path reads no
 * clock at all, and a connection closes between one and one and a quarter timeouts after its last byte.
 */
public final class IdleTimeout extends ChannelDuplexHandler {
    private static final int CHECKS_PER_TIMEOUT = 4;

    private final long timeoutNanos;
    private final long checkNanos;
    /** Traffic since the last check. */
    private boolean active;
    /** When a check last found traffic (or when watching began). */
    private long lastSeen;
    private ScheduledFuture<?> check;

    public IdleTimeout(long timeoutMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.checkNanos = Math.max(1, timeoutNanos / CHECKS_PER_TIMEOUT);
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
        lastSeen = System.nanoTime();
        check = ctx.executor().schedule(() -> check(ctx), checkNanos, TimeUnit.NANOSECONDS);
    }

    private void check(ChannelHandlerContext ctx) {
        if (!ctx.channel().isOpen()) return;
        long now = System.nanoTime();
        if (active) {
            active = false;
            lastSeen = now;
        } else if (now - lastSeen >= timeoutNanos) {
            ctx.close();
            return;
        }
        check = ctx.executor().schedule(() -> check(ctx), checkNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        active = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        active = true;
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
