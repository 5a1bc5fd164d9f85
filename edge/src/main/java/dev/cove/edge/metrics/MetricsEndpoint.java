package dev.cove.edge.metrics;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/** The operator port: {@code GET /metrics} in the Prometheus text format, nothing else. */
public final class MetricsEndpoint extends ChannelInitializer<SocketChannel> {
    private final EdgeMetrics metrics;

    public MetricsEndpoint(EdgeMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192), new SimpleChannelInboundHandler<FullHttpRequest>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                boolean metricsPath = request.uri().equals("/metrics") || request.uri().startsWith("/metrics?");
                boolean get = request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD);
                FullHttpResponse response;
                if (metricsPath && get) {
                    byte[] body = metrics.render().getBytes(StandardCharsets.UTF_8);
                    response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            Unpooled.wrappedBuffer(request.method().equals(HttpMethod.HEAD) ? new byte[0] : body));
                    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                } else {
                    byte[] body = "Only GET /metrics is served here.\n".getBytes(StandardCharsets.UTF_8);
                    response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND, Unpooled.wrappedBuffer(body));
                    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                }
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                HttpUtil.setKeepAlive(response, keepAlive);
                var write = ctx.writeAndFlush(response);
                if (!keepAlive) write.addListener(ChannelFutureListener.CLOSE);
            }
        });
    }
}
