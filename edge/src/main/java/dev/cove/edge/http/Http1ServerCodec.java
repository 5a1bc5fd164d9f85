package dev.cove.edge.http;


import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpStatusClass;

/**
 * The client leg's HTTP/1.1 codec: Netty's request decoder, and a response encoder for the answers the edge writes
 * as objects (its own errors and redirects, 100 Continue). Relayed responses do not pass the encoder: they are bytes
 * already ({@link UpstreamCodec}) and are written from this handler's context, below it.
 *
 * <p>Unlike Netty's {@code HttpServerCodec} it keeps no queue of request methods to pair with encoded responses (the
 * relayed ones would never take theirs out); {@code DownstreamHandler} says when an answer is for a HEAD request.
 */
public final class Http1ServerCodec extends CombinedChannelDuplexHandler<HttpRequestDecoder, Http1ServerCodec.ResponseEncoder>
        implements HttpServerUpgradeHandler.SourceCodec {

    public Http1ServerCodec(HttpDecoderConfig config) {
        // Netty's decoder refuses a request framed both ways (RFC 9112 §6.1), so the edge answers it 400 and closes.
        init(new HttpRequestDecoder(config), new ResponseEncoder());
    }

    /** The next response the edge writes answers a HEAD request: its head goes out without the body. */
    public void answeringHead(boolean head) {
        outboundHandler().headRequest = head;
    }

    @Override
    public void upgradeFrom(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(this);
    }

    static final class ResponseEncoder extends HttpResponseEncoder {
        private boolean headRequest;

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg);
            }
            boolean head = headRequest;
            headRequest = false;
            return head || super.isContentAlwaysEmpty(msg);
        }
    }
}
