package dev.cove.edge.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

import java.util.Locale;

/**
 * What a request's line must be for the edge to route it, checked before routing (a pure function of the request, run
 * on the event loop):
 * <ul>
 *   <li>HTTP/1.0 or HTTP/1.1 on an HTTP/1 connection: Netty's decoder takes any {@code HTTP/x.y}, which neither the
 *   control plane nor a sandbox's server can be trusted to frame as the edge does: {@code 505}.</li>
 *   <li>No {@code CONNECT} and no authority-form target ({@code host:port}): the edge is no forward proxy, and such a
 *   target has no path to route by: {@code 400}.</li>
 *   <li>An absolute-form target ({@code http://host/path}, RFC 9112 §3.2.2, as proxies' clients send it) is accepted
 *   and made origin-form: its authority becomes the {@code Host} (which the RFC says it replaces), its path and query
 *   the target, so routing and every upstream see what an origin-form request would have given them.</li>
 *   <li>{@code *} only with {@code OPTIONS}.</li>
 * </ul>
 */
public final class RequestForm {
    private RequestForm() {}

    /**
     * Checks {@code request} and makes an absolute-form target origin-form (in place).
     *
     * @param http2 the request came on an HTTP/2 stream (its version is the stream codec's, not the client's)
     * @return why the edge refuses the request, or null when it may be routed
     */
    public static EdgeError refusal(HttpRequest request, boolean http2) {
        if (!http2 && !isHttp1(request.protocolVersion())) return versionNotSupported(request.protocolVersion());
        if (request.method().equals(HttpMethod.CONNECT)) {
            return EdgeError.badRequest("CONNECT is not supported: Cove's edge is not a proxy. Send requests to the "
                    + "sandbox's URL (https://<port>-<sandbox id>.<domain>/) directly.");
        }
        String uri = request.uri();
        if (uri.startsWith("/")) return null; // origin-form, nearly every request
        if (uri.equals("*")) {
            return request.method().equals(HttpMethod.OPTIONS) ? null
                    : EdgeError.badRequest("The target * is for OPTIONS requests only. Send a path such as /.");
        }
        int colonSlashes = uri.indexOf("://");
        if (colonSlashes > 0) return originForm(request, uri, colonSlashes);
        return EdgeError.badRequest("The request target must be a path such as /index.html (or an absolute http:// URL), "
                + "not '" + shown(uri) + "': Cove's edge is not a proxy.");
    }

    private static boolean isHttp1(HttpVersion version) {
        return version.majorVersion() == 1 && (version.minorVersion() == 1 || version.minorVersion() == 0)
                && version.protocolName().equals("HTTP");
    }

    private static EdgeError versionNotSupported(HttpVersion version) {
        return new EdgeError(505, "http_version_not_supported", "This server speaks HTTP/1.0, HTTP/1.1 and HTTP/2, not "
                + shown(version.text()) + ". Send the request as HTTP/1.1.", null, null, null, EdgeError.Style.TYPED);
    }

    /** {@code scheme://authority[/path][?query]} → {@code Host: authority}, target {@code /path?query}. */
    private static EdgeError originForm(HttpRequest request, String uri, int colonSlashes) {
        String scheme = uri.substring(0, colonSlashes).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return EdgeError.badRequest("The request target's scheme must be http or https, not '" + shown(scheme) + "'.");
        }
        int authorityStart = colonSlashes + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < uri.length() && "/?#".indexOf(uri.charAt(authorityEnd)) < 0) authorityEnd++;
        String authority = uri.substring(authorityStart, authorityEnd);
        if (authority.isEmpty() || authority.indexOf('@') >= 0) { // RFC 9110 §4.2.4: userinfo is an error
            return EdgeError.badRequest("The request target's authority must be a host, not '" + shown(authority) + "'.");
        }
        String rest = uri.substring(authorityEnd);
        if (rest.startsWith("#")) rest = "";
        request.setUri(rest.startsWith("/") ? rest : "/" + rest);
        ProxyHeaders.setHost(request.headers(), authority);
        return null;
    }

    /** A client's text in a message: bounded, so an error body never echoes kilobytes. */
    private static String shown(String text) {
        return text.length() > 100 ? text.substring(0, 100) + "..." : text;
    }
}
