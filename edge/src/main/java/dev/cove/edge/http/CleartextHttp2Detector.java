package dev.cove.edge.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;

import java.util.List;

/**
 * The plain port's first look at a connection: the HTTP/2 connection preface (h2c by prior knowledge) switches it to
 * HTTP/2, anything else leaves it to the HTTP/1.1 handlers, which it puts in place behind itself. It does what
 * Netty's {@code CleartextHttp2ServerUpgradeHandler} does, for {@link Http1ServerCodec} (Netty's takes only its own
 * {@code HttpServerCodec}).
 */
public final class CleartextHttp2Detector extends ByteToMessageDecoder {
    /** Fired when a connection turned HTTP/2 by prior knowledge (the HTTP/1.1 handlers have left). */
    public static final Object PRIOR_KNOWLEDGE = new Object() {
        @Override
        public String toString() { return "PRIOR_KNOWLEDGE"; }
    };

    private static final ByteBuf PREFACE = Unpooled.unreleasableBuffer(Http2CodecUtil.connectionPrefaceBuf()).asReadOnly();

    private final Http1ServerCodec http1;
    private final HttpServerUpgradeHandler upgrade;
    private final ChannelHandler http2;

    public CleartextHttp2Detector(Http1ServerCodec http1, HttpServerUpgradeHandler upgrade, ChannelHandler http2) {
        this.http1 = http1;
        this.upgrade = upgrade;
        this.http2 = http2;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.pipeline().addAfter(ctx.name(), null, upgrade).addAfter(ctx.name(), null, http1);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int length = PREFACE.readableBytes();
        int n = Math.min(in.readableBytes(), length);
        if (!ByteBufUtil.equals(PREFACE, PREFACE.readerIndex(), in, in.readerIndex(), n)) {
            ctx.pipeline().remove(this); // HTTP/1.1: the buffered bytes go on to the codec
        } else if (n == length) {
            ctx.pipeline().remove(http1).remove(upgrade);
            ctx.pipeline().addAfter(ctx.name(), null, http2);
            ctx.pipeline().remove(this);
            ctx.fireUserEventTriggered(PRIOR_KNOWLEDGE);
        }
    }
}
