package dev.cove.edge;

import dev.cove.edge.connection.ConnectionLimits;
import dev.cove.edge.connection.HeaderTimeout;
import dev.cove.edge.connection.IdleTimeout;
import dev.cove.edge.http.CleartextHttp2Detector;
import dev.cove.edge.http.Http1ServerCodec;
import dev.cove.edge.metrics.EdgeMetrics;
import dev.cove.edge.relay.DownstreamHandler;
import dev.cove.edge.relay.ExchangeLog;
import dev.cove.edge.routing.Router;

import dev.cove.core.routing.RequestLimits;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;


/**
 * Builds the pipeline of a client connection, for one listening port.
 *
 * <pre>
 * TLS port:   Limits → IdleTimeout → SslHandler → AlpnHandler ─┬─ h2:       Http2FrameCodec → Http2MultiplexHandler
 *                                                           └─ http/1.1: HeaderTimeout → Http1ServerCodec → DownstreamHandler
 * plain port: Limits → IdleTimeout → HeaderTimeout → CleartextHttp2Detector (h2c by prior knowledge, first bytes
 *             only) → Http1ServerCodec → HttpServerUpgradeHandler (h2c by Upgrade, first request only) → DownstreamHandler
 * after a 101 (WebSocket): the HTTP handlers and HeaderTimeout leave; a WebSocketTunnel takes DownstreamHandler's place
 * each HTTP/2 stream: Http2StreamFrameToHttpObjectCodec → DownstreamHandler
 * </pre>
 */
final class EdgeInitializer extends ChannelInitializer<SocketChannel> {
    /** The control plane accepts as much (see {@link RequestLimits}): longer lines get the edge's 414, not a 502. */
    private static final int MAX_INITIAL_LINE_LENGTH = RequestLimits.MAX_REQUEST_LINE;
    private static final int MAX_CHUNK_SIZE = 16 * 1024;
    /** Only requests carrying an Upgrade header are aggregated, and those have no real body. */
    private static final int MAX_UPGRADE_REQUEST_SIZE = 64 * 1024;
    private static final Http2StreamFrameToHttpObjectCodec STREAM_CODEC = new Http2StreamFrameToHttpObjectCodec(true);

    private final EdgeConfig config;
    private final Router router;
    private final SslContext ssl;
    private final EdgeMetrics metrics;
    private final ConnectionLimits limits;
    private final ExchangeLog exchangeLog;
    private final ChannelGroup clients;

    /**
     * @param ssl     TLS context for the HTTPS port, null for the plain port
     * @param clients every client connection while it is open, for the edge to close at shutdown
     */
    EdgeInitializer(EdgeConfig config, Router router, SslContext ssl, EdgeMetrics metrics, ConnectionLimits limits,
                    ExchangeLog exchangeLog, ChannelGroup clients) {
        this.config = config;
        this.router = router;
        this.ssl = ssl;
        this.metrics = metrics;
        this.limits = limits;
        this.exchangeLog = exchangeLog;
        this.clients = clients;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        clients.add(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast(limits, new IdleTimeout(config.idleTimeout().toMillis()));
        if (ssl != null) {
            p.addLast(ssl.newHandler(ch.alloc()), new AlpnHandler(this));
            return;
        }
        Http1ServerCodec http1 = http1Codec();
        // h2c by Upgrade is honoured on a connection's first request only (as curl and Netty's own clients send it;
        // RFC 9113 has dropped the mechanism): the handler then leaves, and keep-alive requests skip it.
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(http1,
                protocol -> AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? new Http2ServerUpgradeCodec(http2FrameCodec(), http2Multiplexer())
                        : null,
                MAX_UPGRADE_REQUEST_SIZE, DefaultHttpHeadersFactory.headersFactory(), DefaultHttpHeadersFactory.trailersFactory(),
                true);
        p.addLast(headerTimeout(), new CleartextHttp2Detector(http1, upgrade, new Http2Setup()),
                downstream()); // these two remove themselves when the connection turns HTTP/2
    }

    void addHttp1(ChannelPipeline p) {
        p.addLast(headerTimeout(), http1Codec(), downstream());
    }

    private HeaderTimeout headerTimeout() {
        return new HeaderTimeout(config.headerTimeout().toMillis(), metrics);
    }

    void addHttp2(ChannelPipeline p) {
        p.addLast(http2FrameCodec(), http2Multiplexer());
    }

    private Http1ServerCodec http1Codec() {
        return new Http1ServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE_LENGTH)
                .setMaxHeaderSize(config.maxHeaderSize())
                .setMaxChunkSize(MAX_CHUNK_SIZE));
    }

    private Http2FrameCodec http2FrameCodec() {
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxHeaderListSize(config.maxHeaderSize()))
                .build();
    }

    private ChannelHandler http2Multiplexer() {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(STREAM_CODEC, downstream());
            }
        });
    }

    private DownstreamHandler downstream() {
        return new DownstreamHandler(router, config.maxHeaderSize(), metrics, limits, exchangeLog);
    }

    /**
     * Installs the HTTP/2 handlers at its own place when a plain connection opens with the HTTP/2 preface.
     * (A ChannelInitializer would append them after the DownstreamHandler, which would then see raw bytes.)
     */
    private final class Http2Setup extends ChannelHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            // Codec first: the multiplexer looks for it when added.
            Http2FrameCodec codec = http2FrameCodec();
            ChannelPipeline p = ctx.pipeline().replace(this, null, codec);
            p.addAfter(p.context(codec).name(), null, http2Multiplexer());
        }
    }
}
