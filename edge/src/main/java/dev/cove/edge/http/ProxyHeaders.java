package dev.cove.edge.http;

import dev.cove.edge.routing.Router;
import dev.cove.edge.security.SandboxCookies;

import dev.cove.core.routing.CoveHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Header rewriting at the proxy boundary, both directions. */
public final class ProxyHeaders {
    /** Tells the control plane which sandbox an agent-port request is for. Only the edge may set it. */
    static final AsciiString SANDBOX_ID = AsciiString.cached(CoveHeaders.SANDBOX_ID);
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
    private static final AsciiString X_API_KEY = AsciiString.cached(CoveHeaders.API_KEY);
    private static final AsciiString TRAFFIC_TOKEN = AsciiString.cached(Router.TRAFFIC_TOKEN_HEADER);
    private static final String COVE_COOKIE_PREFIX = "cove_";
    /**
     * Host as clients write it. Netty's constant is lower-case and a header keeps the name it was set with, so a Host
     * the edge rewrites would reach the sandbox as {@code host:}, which no browser sends.
     */
    private static final AsciiString HOST = AsciiString.cached("Host");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive"); // Netty deprecates its constant; RFC 9110 still lists it

    /**
     * A Connection header may name further hop-by-hop headers, but never these: dropping Content-Length would leave
     * a body without framing upstream (a desync), dropping Host would break routing on the other side.
     */
    private static final Set<String> NEVER_HOP_BY_HOP = Set.of("host", "content-length");

    private ProxyHeaders() {}

    /**
     * Prepares a client request for the upstream, in place, in one pass over its headers (plus a removal for each kind
     * of header that has to go, which most requests do not carry).
     *
     * @param sandboxId        set {@link #SANDBOX_ID} to this (agent-port requests), or null
     * @param clientIp         the client's address
     * @param secure           whether the client came over TLS
     * @param edgePort         the edge port the client connected to
     * @param stripCredentials drop the platform's credentials too (requests to a sandbox's own ports):
     *                         the traffic access token, the API key, and cookies named {@code cove_*}
     */
    public static void prepareRequest(HttpRequest request, String sandboxId, String clientIp, boolean secure, String edgePort,
                               boolean stripCredentials) {
        HttpHeaders headers = request.headers();
        Scan scan = scan(headers, true, stripCredentials);
        // Transfer-Encoding is hop-by-hop, but the body still needs framing on the upstream leg: re-frame it chunked.
        boolean chunked = scan.transferEncoding && HttpUtil.isTransferEncodingChunked(request);
        if (scan.coveCookie) removeCoveCookies(headers);
        scan.removeFrom(headers);
        // Netty names Host as it came (an HTTP/2 :authority and an absolute-form target become "host"); servers and
        // clients name it "Host", and some upstreams only read that spelling.
        if (scan.host != null) headers.set(HOST, scan.host);
        // The edge is the outermost hop, so whatever X-Forwarded-*/Forwarded a client sends is unverifiable: the scan
        // dropped them, and the control plane can trust these values.
        headers.add(X_FORWARDED_FOR, clientIp);
        headers.add(X_FORWARDED_PROTO, secure ? "https" : "http");
        if (scan.host != null) headers.add(X_FORWARDED_HOST, scan.host);
        headers.add(X_FORWARDED_PORT, edgePort);
        if (sandboxId != null) headers.add(SANDBOX_ID, sandboxId);
        if (chunked) HttpUtil.setTransferEncodingChunked(request, true);
    }

    /**
     * Prepares an upstream response for the client, in place.
     *
     * @param bodyAllowed false for HEAD requests and 204/304, which have no body whatever the headers say
     * @param http10      the client speaks HTTP/1.0, which knows no chunked encoding
     * @return whether the client connection can stay open after this response
     */
    public static boolean prepareResponse(HttpResponse response, boolean keepAlive, boolean bodyAllowed, boolean http10) {
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
    public static String requestedUpgrade(HttpRequest request) {
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE);
        if (upgrade == null || upgrade.isBlank()) return null;
        return request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true) ? upgrade : null;
    }

    /** Replaces the request's Host (maskRequestHost), named {@code Host} on the wire. */
    public static void setHost(HttpHeaders headers, String host) { headers.set(HOST, host); }

    /**
     * Whether a request is a gRPC call: {@code application/grpc}, alone or with a {@code +format} or parameters. Not
     * gRPC-Web ({@code application/grpc-web*}), which is HTTP/1.1-compatible by design.
     */
    public static boolean isGrpc(HttpRequest request) {
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null || !type.regionMatches(true, 0, "application/grpc", 0, 16)) return false;
        return type.length() == 16 || type.charAt(16) == '+' || type.charAt(16) == ';';
    }

    /** Whether a request says it accepts trailers ({@code TE: trailers}, which gRPC servers require). */
    public static boolean asksForTrailers(HttpRequest request) {
        return request.headers().containsValue(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS, true);
    }

    /** Puts an upgrade request's hop-by-hop pair back, for the next hop to act on (a 101's: {@link ResponseHead#encode}). */
    public static void setUpgrade(HttpHeaders headers, String protocol) {
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE).set(HttpHeaderNames.UPGRADE, protocol);
    }

    /**
     * Rewrites the Cookie headers without the cookies named {@code cove_*} (Cove's share-link cookies), with or without
     * a prefix such as {@code __Host-}.
     */
    private static void removeCoveCookies(HttpHeaders headers) {
        List<String> cookies = headers.getAll(HttpHeaderNames.COOKIE);
        List<String> kept = new ArrayList<>(cookies.size());
        for (String header : cookies) {
            StringBuilder rest = new StringBuilder();
            for (String pair : header.split(";")) {
                String p = pair.strip();
                int equals = p.indexOf('=');
                if (p.isEmpty() || SandboxCookies.isCovesName(equals < 0 ? p : p.substring(0, equals))) continue;
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
        scan(headers, false, false).removeFrom(headers);
    }

    /** What one pass over a message's headers found: values the caller needs, and the names that must go. */
    private static final class Scan {
        String host;
        boolean transferEncoding;
        boolean coveCookie;
        /** Header names to remove (hop-by-hop, and for requests forged or credential headers); null when none. */
        List<CharSequence> doomed;

        void doom(CharSequence name) {
            if (doomed == null) doomed = new ArrayList<>(4);
            doomed.add(name);
        }

        void removeFrom(HttpHeaders headers) {
            if (doomed != null) for (CharSequence name : doomed) headers.remove(name);
        }
    }

    /**
     * One pass over the headers. Always dooms the hop-by-hop headers and those a Connection header names (never Host
     * or Content-Length); for requests also the headers only the edge may set (x-cove-*, Netty's x-http2-* copies,
     * X-Forwarded-*, Forwarded) and, with {@code stripCredentials}, the platform's credentials.
     */
    private static Scan scan(HttpHeaders headers, boolean request, boolean stripCredentials) {
        Scan scan = new Scan();
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> header = it.next();
            CharSequence name = header.getKey();
            switch (classify(name)) {
                case HOP_BY_HOP -> scan.doom(name);
                case TRANSFER_ENCODING -> {
                    scan.transferEncoding = true;
                    scan.doom(name);
                }
                case CONNECTION -> {
                    scan.doom(name);
                    for (String token : header.getValue().toString().split(",")) {
                        String named = token.trim().toLowerCase(Locale.ROOT);
                        if (!named.isEmpty() && !NEVER_HOP_BY_HOP.contains(named)) scan.doom(named);
                    }
                }
                case HOST -> {
                    if (request && scan.host == null) scan.host = header.getValue().toString();
                }
                case EDGE_ONLY -> {
                    if (request) scan.doom(name);
                }
                case CREDENTIAL -> {
                    if (stripCredentials) scan.doom(name);
                }
                case COOKIE -> {
                    if (stripCredentials && AsciiString.indexOfIgnoreCaseAscii(header.getValue(), COVE_COOKIE_PREFIX, 0) >= 0) {
                        scan.coveCookie = true;
                    }
                }
                case OTHER -> { }
            }
        }
        return scan;
    }

    private enum Kind { HOP_BY_HOP, TRANSFER_ENCODING, CONNECTION, HOST, EDGE_ONLY, CREDENTIAL, COOKIE, OTHER }

    /** The role of a header name, compared without regard to case; by length first, so most names cost one switch. */
    private static Kind classify(CharSequence name) {
        Kind kind = switch (name.length()) {
            case 2 -> is(name, HttpHeaderNames.TE) ? Kind.HOP_BY_HOP : Kind.OTHER;
            case 4 -> is(name, HttpHeaderNames.HOST) ? Kind.HOST : Kind.OTHER;
            case 6 -> is(name, HttpHeaderNames.COOKIE) ? Kind.COOKIE : Kind.OTHER;
            case 7 -> is(name, HttpHeaderNames.UPGRADE) ? Kind.HOP_BY_HOP : Kind.OTHER;
            case 9 -> is(name, FORWARDED) ? Kind.EDGE_ONLY : is(name, X_API_KEY) ? Kind.CREDENTIAL : Kind.OTHER;
            case 10 -> is(name, HttpHeaderNames.CONNECTION) ? Kind.CONNECTION : is(name, KEEP_ALIVE) ? Kind.HOP_BY_HOP : Kind.OTHER;
            case 15 -> is(name, X_FORWARDED_FOR) ? Kind.EDGE_ONLY : Kind.OTHER;
            case 16 -> is(name, PROXY_CONNECTION) ? Kind.HOP_BY_HOP
                    : is(name, X_FORWARDED_HOST) || is(name, X_FORWARDED_PORT) ? Kind.EDGE_ONLY : Kind.OTHER;
            case 17 -> is(name, HttpHeaderNames.TRANSFER_ENCODING) ? Kind.TRANSFER_ENCODING
                    : is(name, X_FORWARDED_PROTO) ? Kind.EDGE_ONLY : Kind.OTHER;
            case 24 -> is(name, TRAFFIC_TOKEN) ? Kind.CREDENTIAL : Kind.OTHER;
            default -> Kind.OTHER;
        };
        if (kind == Kind.OTHER && (startsWithIgnoreCase(name, INTERNAL_PREFIX) || startsWithIgnoreCase(name, HTTP2_CONVERSION_PREFIX))) {
            return Kind.EDGE_ONLY;
        }
        return kind;
    }

    private static boolean is(CharSequence name, AsciiString known) {
        return AsciiString.contentEqualsIgnoreCase(name, known);
    }

    private static boolean startsWithIgnoreCase(CharSequence name, String prefix) {
        return AsciiString.regionMatches(name, true, 0, prefix, 0, prefix.length());
    }
}
