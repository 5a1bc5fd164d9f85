package dev.cove.edge.relay;

import dev.cove.core.routing.NodeForwardSignature;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * State of one request/response pair on a client connection (or HTTP/2 stream): what the relays need to frame the
 * response, and what {@link ExchangeLog} reports once it has ended. Touched only on the client's event loop.
 */
public final class Exchange {
    final boolean http10;
    final boolean head;
    final boolean browser;
    final boolean expectContinue;
    /** For the access log only (0 without one): a clock read per request is not free. */
    final long started;
    /** For the access log only (null without one). */
    final String method;
    final String host;
    final String path;
    boolean keepAlive;
    /**
     * The client as another node of the cluster vouched for it (a verified {@code x-cove-node-forward}), checked once per
     * exchange; null when the request came straight from its client, or the header did not verify.
     */
    NodeForwardSignature.Forwarded forwarded;
    boolean forwardChecked;
    String sandboxId;
    Integer port;
    String target = "none";
    /** The protocol an upgrade request asks for (sandbox ports, HTTP/1.1), else null. */
    String upgrade;
    /** How a sandbox port request got through ({@code public}, {@code token}, {@code link}) or {@code denied}; null otherwise. */
    String via;
    String linkId;
    /** A 101 head was relayed; the codecs come out after its (empty) last content. */
    boolean switching;
    int status;
    String edgeCode;
    long bytesOut;
    boolean logged;
    /** Answered by the edge: the rest of the request body is read and dropped. */
    boolean local;
    boolean requestDone;
    boolean responseStarted;
    boolean responseDone;
    /** HttpClientCodec follows a 1xx head with an empty last content that belongs to no client response. */
    boolean skipInterimLast;

    /** @param logged the access log is on: keep what its line shows (otherwise none of it is worked out) */
    Exchange(HttpRequest request, boolean browser, boolean logged) {
        started = logged ? System.nanoTime() : 0;
        // A line the decoder could not read gets Netty's stand-in request, a FullHttpRequest in HTTP/1.0: the client's
        // version is unknown then, and the answer goes out in HTTP/1.1 (which HTTP/1.0 clients read as well).
        http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0)
                && !(request.decoderResult().isFailure() && request instanceof FullHttpRequest);
        head = request.method().equals(HttpMethod.HEAD);
        this.browser = browser;
        expectContinue = HttpUtil.is100ContinueExpected(request);
        keepAlive = HttpUtil.isKeepAlive(request);
        if (logged) {
            method = request.method().name();
            host = request.headers().get(HttpHeaderNames.HOST, "-");
            String uri = request.uri();
            int query = uri.indexOf('?');
            path = query < 0 ? uri : uri.substring(0, query); // query strings may carry tokens: never logged
        } else {
            method = host = path = null;
        }
    }

    /** The request names a sandbox (or its agent port): the access log and the audit say which. */
    /** The client's address for the audit and the access log: the one a verified forward names, else the connection's. */
    String clientIp(ClientFacts client) {
        return forwarded != null ? forwarded.clientAddress() : client.ip();
    }

    void sandbox(String sandboxId, Integer port) {
        this.sandboxId = sandboxId;
        this.port = port;
    }

    /** How a sandbox port request was let through (or {@code denied}), for the audit. */
    void access(String via, String linkId) {
        this.via = via;
        this.linkId = linkId;
    }
}
