package dev.cove.edge.relay;

import dev.cove.edge.http.ErrorResponses;
import dev.cove.edge.routing.Router;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;

import java.net.InetSocketAddress;

/**
 * What the edge knows of one client connection (for an HTTP/2 stream: of its parent connection), each fact found once
 * and not per request: keep-alive clients come from the same address, over the same port, with the same User-Agent.
 */
public final class ClientFacts {
    /** The TCP connection: the channel itself, or an HTTP/2 stream's parent. */
    final Channel connection;
    final boolean http2;
    private String ip;
    private String localPort;
    private Boolean secure;
    /** The last request's User-Agent and whether it names a browser. */
    private String lastUserAgent;
    private boolean lastUserAgentIsBrowser;
    /** The last request's parsed target: keep-alive clients name the same host every time. */
    final Router.TargetCache targets = new Router.TargetCache();

    ClientFacts(Channel channel) {
        this.http2 = channel instanceof Http2StreamChannel;
        this.connection = http2 ? channel.parent() : channel;
    }

    String ip() {
        if (ip == null) {
            ip = connection.remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress().getHostAddress() : "unknown";
        }
        return ip;
    }

    String localPort() {
        if (localPort == null) {
            localPort = connection.localAddress() instanceof InetSocketAddress local ? Integer.toString(local.getPort()) : "0";
        }
        return localPort;
    }

    /** Whether the client connection is TLS. */
    boolean secure() {
        if (secure == null) secure = connection.pipeline().get(SslHandler.class) != null;
        return secure;
    }

    /** Whether a request is a browser navigation; the User-Agent test is kept, as the connection's agent rarely changes. */
    boolean browserNavigation(HttpRequest request) {
        String userAgent = request.headers().get(HttpHeaderNames.USER_AGENT);
        if (userAgent == null) return false;
        if (!userAgent.equals(lastUserAgent)) {
            lastUserAgent = userAgent;
            lastUserAgentIsBrowser = ErrorResponses.isBrowserAgent(userAgent);
        }
        return ErrorResponses.isBrowserNavigation(request.headers(), lastUserAgentIsBrowser);
    }
}
