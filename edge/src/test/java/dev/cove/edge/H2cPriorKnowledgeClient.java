package dev.cove.edge;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 over cleartext with prior knowledge (what {@code curl --http2-prior-knowledge} and gRPC clients do); the JDK
 * client cannot, nor can it show trailers.
 */
final class H2cPriorKnowledgeClient {
    private H2cPriorKnowledgeClient() {}

    /** The parts of a response a test looks at; trailers are empty when none came. */
    record Response(int status, HttpHeaders headers, String body, HttpHeaders trailers) {}

    /** @return "{status} {body}" */
    static String get(int port, String authority, String path) throws Exception {
        Response response = exchange(port, authority, HttpMethod.GET, path, Map.of(), new byte[0]);
        return response.status() + " " + response.body();
    }

    /** One request on a new connection (its own stream), with {@code headers} and {@code body}; the whole response. */
    static Response exchange(int port, String authority, HttpMethod method, String path, Map<String, String> headers, byte[] body)
            throws Exception {
        return exchanges(port, authority, method, path, headers, body, 1).get(0);
    }

    /** The same request {@code times} times, one after the other, each on its own stream of one connection. */
    static List<Response> exchanges(int port, String authority, HttpMethod method, String path, Map<String, String> headers,
                                    byte[] body, int times) throws Exception {
        return exchanges(port, authority, method, java.util.Collections.nCopies(times, path), headers, body, 0);
    }

    /** A request to each path, one after the other ({@code pauseMillis} apart), each on its own stream of one connection. */
    static List<Response> exchanges(int port, String authority, HttpMethod method, List<String> paths, Map<String, String> headers,
                                    byte[] body, long pauseMillis) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel connection = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        }
                    })
                    .connect(InetAddress.getLoopbackAddress(), port).sync().channel();
            List<Response> responses = new ArrayList<>();
            for (String path : paths) {
                if (!responses.isEmpty()) Thread.sleep(pauseMillis);
                CompletableFuture<Response> result = new CompletableFuture<>();
                Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection)
                        .handler(new ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel ch) {
                                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), new HttpObjectAggregator(1 << 20),
                                        new SimpleChannelInboundHandler<FullHttpResponse>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
                                                result.complete(new Response(response.status().code(), response.headers().copy(),
                                                        response.content().toString(StandardCharsets.UTF_8), response.trailingHeaders().copy()));
                                            }

                                            @Override
                                            public void channelInactive(ChannelHandlerContext ctx) {
                                                result.completeExceptionally(new IllegalStateException("stream closed without a response"));
                                            }
                                        });
                            }
                        })
                        .open().sync().getNow();
                FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, Unpooled.wrappedBuffer(body));
                request.headers().set(HttpHeaderNames.HOST, authority);
                headers.forEach(request.headers()::set);
                if (body.length > 0) request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                stream.writeAndFlush(request);
                responses.add(result.get(10, TimeUnit.SECONDS));
            }
            return responses;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
