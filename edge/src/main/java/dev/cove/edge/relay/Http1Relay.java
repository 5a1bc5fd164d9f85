package dev.cove.edge.relay;

import dev.cove.edge.http.Http1ServerCodec;
import dev.cove.edge.http.ResponseHead;
import dev.cove.edge.http.UpstreamCodec;
import dev.cove.edge.metrics.EdgeMetrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;

/**
 * Relays an upstream's response to an HTTP/1.1 client as bytes, behind {@link UpstreamCodec}: the head it parsed in
 * place, the body already framed for the client, written below the client's {@link Http1ServerCodec} (see
 * {@link DownstreamHandler#rawOut()}). A 101 the client asked for hands both connections to a {@link WebSocketTunnel}.
 */
public final class Http1Relay extends UpstreamRelay {
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    Http1Relay(DownstreamHandler downstream, EdgeMetrics metrics) {
        super(downstream, metrics);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel from = ctx.channel();
        Exchange exchange = downstream.exchange();
        if (downstream.isUpstream(from) && exchange != null && exchange.switching
                && (msg == UpstreamCodec.RESPONSE_END || msg instanceof LastHttpContent)) {
            ReferenceCountUtil.release(msg); // the 101 has no body; what follows is the new protocol
            downstream.switchToTunnel(ctx);
            return;
        }
        if (!downstream.awaitsResponseFrom(from)) {
            ReferenceCountUtil.release(msg); // nothing asked for it; the connection is out of step
            from.close();
            return;
        }
        switch (msg) {
            case ByteBuf body when exchange.responseStarted -> relayBody(exchange, body);
            case ResponseHead head -> relayHead(from, exchange, head);
            default -> {
                if (msg == UpstreamCodec.RESPONSE_END && exchange.responseStarted) {
                    downstream.responseEnded();
                } else {
                    ReferenceCountUtil.release(msg);
                    from.close();
                }
            }
        }
    }

    /** The response head (with its body when complete), relayed as bytes (see {@link UpstreamCodec}). */
    private void relayHead(Channel from, Exchange exchange, ResponseHead head) {
        ChannelHandlerContext client = downstream.client();
        int status = head.status;
        if (status == 101) {
            if (exchange.upgrade == null) { // a switch nobody asked for: the connection is out of step
                head.release();
                from.close();
                return;
            }
            String protocol = head.upgrade();
            exchange.status = 101;
            exchange.responseStarted = true;
            exchange.switching = true;
            downstream.rawOut().write(head.encode(client.alloc(), true, protocol != null ? protocol : exchange.upgrade),
                    client.voidPromise());
            head.release();
            return; // RESPONSE_END follows, and the codecs come out
        }
        if (head.informational()) { // interim: only a 100 the client waits for goes on
            if (status == 100 && exchange.expectContinue) {
                downstream.rawOut().writeAndFlush(Unpooled.wrappedBuffer(CONTINUE), client.voidPromise());
            }
            head.release();
            return;
        }
        exchange.keepAlive &= !head.closesClient();
        exchange.responseStarted = true;
        exchange.status = status;
        int bodyBytes = head.bodyBytes();
        exchange.bytesOut += bodyBytes;
        metrics.bytesSent.add(bodyBytes);
        downstream.rawOut().write(head.encode(client.alloc(), exchange.keepAlive, null), client.voidPromise());
        boolean complete = head.complete();
        head.release();
        if (complete) downstream.responseEnded();
    }

    private void relayBody(Exchange exchange, ByteBuf body) {
        int n = body.readableBytes();
        exchange.bytesOut += n;
        metrics.bytesSent.add(n);
        downstream.rawOut().write(body, downstream.client().voidPromise());
    }
}
