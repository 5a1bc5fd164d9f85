package dev.cove.edge;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** After the TLS handshake, sets the connection up for the protocol the client chose by ALPN (none: HTTP/1.1). */
final class AlpnHandler extends ApplicationProtocolNegotiationHandler {
    private static final Logger log = LoggerFactory.getLogger(AlpnHandler.class);

    private final EdgeInitializer pipelines;

    AlpnHandler(EdgeInitializer pipelines) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.pipelines = pipelines;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        switch (protocol) {
            case ApplicationProtocolNames.HTTP_2 -> pipelines.addHttp2(ctx.pipeline());
            case ApplicationProtocolNames.HTTP_1_1 -> pipelines.addHttp1(ctx.pipeline());
            default -> ctx.close(); // cannot happen: the server only offers these two
        }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        // Routine (a client that does not trust the local CA yet, a port scanner): not worth a warning each time.
        log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
