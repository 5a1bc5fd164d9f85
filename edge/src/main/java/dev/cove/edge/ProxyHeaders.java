package dev.cove.edge;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Header rewriting at the proxy boundary, both directions. */
final class ProxyHeaders {
    /** Tells the control plane which sandbox an agent-port request is for. Only the edge may set it. */
    static final AsciiString SANDBOX_ID = AsciiString.cached("x-cove-sandbox-id");
    /** Headers with this prefix are the edge's to set; any a client sends are dropped, so none can be forged. */
    private static final String INTERNAL_PREFIX = "x-cove-";
    /** Netty's HTTP/2 → HTTP/1 conversion leaves pseudo-header copies (x-http2-scheme, -stream-id, ...); never forwarded. */
    private static final String HTTP2_CONVERSION_PREFIX = "x-http2-";

    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    private static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
    private static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString X_API_KEY = AsciiString.cached("x-api-key");
    private static final String COVE_COOKIE_PREFIX = "cove_";
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive"); // Netty deprecates its constant; RFC 9110 still lists it

    /**
     * A Connection header may name further hop-by-hop headers, but never these: dropping Content-Length would leave
     * a body without framing upstream (a desync), dropping Host would break routing on the other side.
     */
    private static final Set<String> NEVER_HOP_BY_HOP = Set.of("host", "content-length");

    private ProxyHeaders() {}

    /**
     * Prepares a client request for the upstream, in place.
     *
     * @param sandboxId set {@link #SANDBOX_ID} to this (agent-port requests), or null
     * @param clientIp  the client's address
     * @param secure    whether the client came over TLS
     * @param edgePort  the edge port the client connected to
     */
    static void prepareRequest(HttpRequest request, String sandboxId, String clientIp, boolean secure, String edgePort) {
        HttpHeaders headers = request.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        String host = headers.get(HttpHeaderNames.HOST);
        removeHopByHop(headers);
        removeByPrefix(headers);
        // The edge is the outermost hop, so whatever X-Forwarded-*/Forwarded a client sends is unverifiable:
        // replace rather than append, and the control plane can trust these values.
        headers.remove(FORWARDED);
        headers.set(X_FORWARDED_FOR, clientIp);
        headers.set(X_FORWARDED_PROTO, secure ? "https" : "http");
        if (host != null) headers.set(X_FORWARDED_HOST, host);
        headers.set(X_FORWARDED_PORT, edgePort);
        if (sandboxId != null) headers.set(SANDBOX_ID, sandboxId);
        // Transfer-Encoding is hop-by-hop, but the body still needs framing on the upstream leg: re-frame it chunked.
        if (chunked) HttpUtil.setTransferEncodingChunked(request, true);
    }

    /**
     * Prepares an upstream response for the client, in place.
     *
     * @param bodyAllowed false for HEAD requests and 204/304, which have no body whatever the headers say
     * @param http10      the client speaks HTTP/1.0, which knows no chunked encoding
     * @return whether the client connection can stay open after this response
     */
    static boolean prepareResponse(HttpResponse response, boolean keepAlive, boolean bodyAllowed, boolean http10) {
        removeHopByHop(response.headers());
        if (bodyAllowed && !HttpUtil.isContentLengthSet(response)) {
            // Unknown length (upstream chunked or close-delimited): stream it chunked, or delimit by close for HTTP/1.0.
            if (http10) keepAlive = false;
            else HttpUtil.setTransferEncodingChunked(response, true);
        }
        return keepAlive;
    }

    /**
     * The protocol an HTTP/1.1 request asks to switch to ({@code Upgrade: websocket} with {@code Connection: upgrade}),
     * or null. Read it before {@link #prepareRequest}, which drops both as hop-by-hop.
     */
    static String requestedUpgrade(HttpRequest request) {
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || upgrade.isBlank()) return null;
        return request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true) ? upgrade : null;
    }

    /** Puts an upgrade request's (or 101 response's) hop-by-hop pair back, for the next hop to act on. */
    static void setUpgrade(HttpHeaders headers, String protocol) {
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE).set(HttpHeaderNames.UPGRADE, protocol);
    }

    /** A 101 for the client: hop-by-hop headers dropped, {@code Connection: upgrade} and the chosen protocol kept. */
    static void prepareSwitchingResponse(HttpResponse response, String requested) {
        String protocol = response.headers().get(HttpHeaderNames.UPGRADE, requested);
        removeHopByHop(response.headers());
        setUpgrade(response.headers(), protocol);
    }

    /**
     * Cove's and E2B's own credentials, which belong to the platform and never to the app in the sandbox: the traffic
     * access token, the API key, and cookies named {@code cove_*} (Cove's share-link cookies).
     */
    static void removePlatformCredentials(HttpHeaders headers) {
        headers.remove(Router.TRAFFIC_TOKEN_HEADER).remove(X_API_KEY);
        List<String> cookies = headers.getAll(HttpHeaderNames.COOKIE);
        if (cookies.isEmpty()) return;
        List<String> kept = new ArrayList<>(cookies.size());
        for (String header : cookies) {
            StringBuilder rest = new StringBuilder();
            for (String pair : header.split(";")) {
                String p = pair.strip();
                if (p.isEmpty() || p.regionMatches(true, 0, COVE_COOKIE_PREFIX, 0, COVE_COOKIE_PREFIX.length())) continue;
                if (!rest.isEmpty()) rest.append("; ");
                rest.append(p);
            }
            if (!rest.isEmpty()) kept.add(rest.toString());
        }
        headers.remove(HttpHeaderNames.COOKIE);
        kept.forEach(c -> headers.add(HttpHeaderNames.COOKIE, c));
    }

    /** RFC 9110 §7.6.1: Connection and the headers it names, Proxy-Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade. */
    static void removeHopByHop(HttpHeaders headers) {
        for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : connection.split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !NEVER_HOP_BY_HOP.contains(name)) headers.remove(name);
            }
        }
        headers.remove(HttpHeaderNames.CONNECTION)
                .remove(PROXY_CONNECTION)
                .remove(KEEP_ALIVE)
                .remove(HttpHeaderNames.TE)
                .remove(HttpHeaderNames.TRANSFER_ENCODING)
                .remove(HttpHeaderNames.UPGRADE);
    }

    private static void removeByPrefix(HttpHeaders headers) {
        List<CharSequence> doomed = null;
        for (var it = headers.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (startsWithIgnoreCase(name, INTERNAL_PREFIX) || startsWithIgnoreCase(name, HTTP2_CONVERSION_PREFIX)) {
                if (doomed == null) doomed = new ArrayList<>(2);
                doomed.add(name);
            }
        }
        if (doomed != null) doomed.forEach(headers::remove);
    }

    private static boolean startsWithIgnoreCase(CharSequence name, String prefix) {
        return AsciiString.regionMatches(name, true, 0, prefix, 0, prefix.length());
    }
}
