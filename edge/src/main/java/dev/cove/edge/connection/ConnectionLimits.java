package dev.cove.edge.connection;

import dev.cove.edge.metrics.EdgeMetrics;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Connection limits: client connections in total (counted by this handler, first in every client pipeline), and
 * upstream connections per sandbox (counted around each dial). A connection over the total limit is not dropped
 * blindly: its first request gets a typed 429 with {@code Retry-After}, then it closes.
 */
@ChannelHandler.Sharable
public final class ConnectionLimits extends ChannelInboundHandlerAdapter {
    public static final int RETRY_AFTER_SECONDS = 1;
    private static final AttributeKey<Boolean> OVER_LIMIT = AttributeKey.valueOf("cove.overLimit");

    public final int maxConnections;
    public final int maxPerSandbox;
    private final EdgeMetrics metrics;
    /** Open upstream connections per sandbox id; an entry exists only while it is above zero. */
    private final ConcurrentHashMap<String, Integer> perSandbox = new ConcurrentHashMap<>();

    public ConnectionLimits(int maxConnections, int maxPerSandbox, EdgeMetrics metrics) {
        this.maxConnections = maxConnections;
        this.maxPerSandbox = maxPerSandbox;
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.connectionsTotal.increment();
        if (metrics.connectionsOpen.incrementAndGet() > maxConnections) ctx.channel().attr(OVER_LIMIT).set(Boolean.TRUE);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        metrics.connectionsOpen.decrementAndGet();
        ctx.fireChannelInactive();
    }

    /** Whether this client connection was accepted above the total limit. */
    public static boolean overLimit(Channel connection) {
        return connection.hasAttr(OVER_LIMIT) && Boolean.TRUE.equals(connection.attr(OVER_LIMIT).get());
    }

    /** Takes one upstream slot of the sandbox; false when all are in use. */
    public boolean acquire(String sandboxId) {
        boolean[] taken = {false};
        perSandbox.compute(sandboxId, (id, open) -> {
            int n = open == null ? 0 : open;
            if (n >= maxPerSandbox) return open;
            taken[0] = true;
            return n + 1;
        });
        return taken[0];
    }

    public void release(String sandboxId) {
        perSandbox.computeIfPresent(sandboxId, (id, open) -> open <= 1 ? null : open - 1);
    }
}
