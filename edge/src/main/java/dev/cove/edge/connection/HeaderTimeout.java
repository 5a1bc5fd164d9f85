package dev.cove.edge.connection;

import dev.cove.edge.http.EdgeError;
import dev.cove.edge.http.ErrorResponses;
import dev.cove.edge.metrics.EdgeMetrics;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Slowloris protection for HTTP/1.1 connections: once the first byte of a request arrives, its whole header must
 * arrive within the timeout, or the client gets 408 {@code request_timeout} and the connection closes. An idle
 * keep-alive connection is not affected (the idle timeout covers it), nor is a slow request body or response.
 * Sits before the HTTP codec (after TLS); {@code DownstreamHandler} tells it when a header is complete and when an
 * exchange has ended.
 */
public final class HeaderTimeout extends ChannelInboundHandlerAdapter {
    private enum State { WAITING, READING_HEADER, IN_EXCHANGE }

    private final long timeoutMillis;
    private final EdgeMetrics metrics;
    private ChannelHandlerContext ctx;
    private State state = State.WAITING;
    private ScheduledFuture<?> timer;

    public HeaderTimeout(long timeoutMillis, EdgeMetrics metrics) {
        this.timeoutMillis = timeoutMillis;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) { this.ctx = ctx; }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) { cancel(); }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        boolean started = state == State.WAITING && msg instanceof ByteBuf buf && buf.isReadable();
        if (started) state = State.READING_HEADER;
        ctx.fireChannelRead(msg); // usually decodes the whole header at once, and headerReceived() is called inside
        // Only a header still incomplete after this read needs a timer (none per request on the fast path). Not when this
        // read took the handler out: a connection that turned HTTP/2 by prior knowledge has no HTTP/1.1 header to wait
        // for, and a timer set now would answer it 408 and close it, streams and all, once it ran.
        if (started && state == State.READING_HEADER && timer == null && !ctx.isRemoved()) {
            timer = ctx.executor().schedule(this::expire, timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** A request header is complete: the timer stops until the exchange has ended. */
    public void headerReceived() {
        cancel();
        state = State.IN_EXCHANGE;
    }

    /** The exchange has ended: the next byte starts the clock for the next header. */
    public void exchangeEnded() {
        if (state == State.IN_EXCHANGE) state = State.WAITING;
    }

    private void expire() {
        timer = null;
        if (state != State.READING_HEADER || !ctx.channel().isActive()) return;
        metrics.request("none", 408, "request_timeout");
        FullHttpResponse response = ErrorResponses.render(EdgeError.headerTimeout(timeoutMillis / 1000), false);
        HttpUtil.setKeepAlive(response, false);
        // From the tail, so the response passes the HTTP encoder; the decoder's half-read header is dropped with the connection.
        ctx.channel().writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }
}
