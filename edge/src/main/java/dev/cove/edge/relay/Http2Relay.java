package dev.cove.edge.relay;

import dev.cove.edge.http.ProxyHeaders;
import dev.cove.edge.metrics.EdgeMetrics;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays an upstream's response to an HTTP/2 client stream as Netty's objects, which the stream codec turns into
 * frames: from an HTTP/1.1 upstream (behind {@code HttpClientCodec}), or from a gRPC call's own stream on an h2c
 * connection (behind {@code Http2StreamFrameToHttpObjectCodec}), so trailers pass. HTTP/2 streams never switch
 * protocols.
 */
public final class Http2Relay extends UpstreamRelay {
    private static final Logger log = LoggerFactory.getLogger(Http2Relay.class);

    Http2Relay(DownstreamHandler downstream, EdgeMetrics metrics) {
        super(downstream, metrics);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel from = ctx.channel();
        if (!downstream.awaitsResponseFrom(from) || !(msg instanceof HttpObject part)) {
            ReferenceCountUtil.release(msg); // nothing asked for it; the connection is out of step
            from.close();
            return;
        }
        Exchange exchange = downstream.exchange();
        if (part.decoderResult().isFailure()) {
            log.warn("Invalid response from upstream {}: {}", downstream.upstreamDialer(), part.decoderResult().cause().toString());
            ReferenceCountUtil.release(part);
            from.close(); // → the downstream answers 502, or cuts the response short
            return;
        }
        ChannelHandlerContext client = downstream.client();
        if (part instanceof HttpResponse response) {
            int status = response.status().code();
            if (status >= 100 && status < 200) { // interim
                exchange.skipInterimLast = !(part instanceof LastHttpContent);
                if (status == 100 && exchange.expectContinue) {
                    // Full, so the HTTP/2 codec sends it as a non-final HEADERS frame.
                    client.writeAndFlush(new DefaultFullHttpResponse(response.protocolVersion(), HttpResponseStatus.CONTINUE),
                            client.voidPromise());
                }
                ReferenceCountUtil.release(part);
                return;
            }
            boolean bodyAllowed = !exchange.head && status != 204 && status != 304;
            exchange.keepAlive = ProxyHeaders.prepareResponse(response, exchange.keepAlive, bodyAllowed, exchange.http10);
            exchange.responseStarted = true;
            exchange.status = status;
        } else if (exchange.skipInterimLast) {
            exchange.skipInterimLast = false;
            ReferenceCountUtil.release(part);
            return;
        }
        if (part instanceof HttpContent content) {
            int n = content.content().readableBytes();
            exchange.bytesOut += n;
            metrics.bytesSent.add(n);
        }
        client.write(part, client.voidPromise());
        if (part instanceof LastHttpContent) downstream.responseEnded();
    }
}
