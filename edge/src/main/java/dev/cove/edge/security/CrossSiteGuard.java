package dev.cove.edge.security;

import dev.cove.edge.http.EdgeError;

import dev.cove.core.routing.PortAccessPolicy;
import dev.cove.core.routing.SandboxRoute;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

import java.util.Locale;

/**
 * Refuses requests another page made with a visitor's Cove cookie. A browser sends the cookie by itself, also when a
 * page elsewhere posts a form to the port or opens a WebSocket to it. {@code SameSite=Lax} does not stop a sibling
 * sandbox: {@code 3000-a.<domain>} and {@code 3000-b.<domain>} are the same site whenever the domain is not on the
 * Public Suffix List. So for a request that got in by the cookie alone, an unsafe method (anything but GET, HEAD,
 * OPTIONS) or a WebSocket upgrade must come from the port's own origin: {@code Origin} the exact origin of the URL
 * asked for, and {@code Sec-Fetch-Site} not {@code cross-site} or {@code same-site}.
 *
 * <p>Not affected: top-level navigations and other safe requests (a link into the app keeps working), requests with
 * a header token (a page elsewhere cannot add one without the token), public ports (no credential to abuse), and
 * requests without {@code Origin} or {@code Sec-Fetch-Site} (not made by a browser's page). A port whose rule says
 * {@link PortAccessPolicy.PortRule#crossSite()} opts out. Pure computation on the event loop.
 */
public final class CrossSiteGuard {
    private CrossSiteGuard() {}

    /**
     * @param secure  the client came over TLS (the scheme of the origin asked for)
     * @param upgrade the request asks to switch protocols (a WebSocket)
     * @return the refusal, or null when the request may pass
     */
    public static EdgeError check(SandboxRoute route, int port, HttpRequest request, boolean secure, boolean upgrade) {
        if (!upgrade && isSafe(request.method())) return null;
        PortAccessPolicy.PortRule rule = route.portAccess().ports().get(port);
        if (rule != null && rule.crossSite()) return null;
        HttpHeaders headers = request.headers();
        String fetchSite = headers.get("Sec-Fetch-Site");
        if (fetchSite != null) {
            String site = fetchSite.strip().toLowerCase(Locale.ROOT);
            if (site.equals("cross-site") || site.equals("same-site")) {
                return refused(route.sandboxId(), port, upgrade, request, "the browser says it came from "
                        + (site.equals("same-site") ? "another subdomain of this site (Sec-Fetch-Site: same-site)" : "another site (Sec-Fetch-Site: cross-site)"));
            }
        }
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        if (origin == null) return null;
        String own = origin(secure, headers.get(HttpHeaderNames.HOST));
        if (own != null && normalize(origin).equals(own)) return null;
        return refused(route.sandboxId(), port, upgrade, request, "it came from the page at origin " + printable(origin));
    }

    private static boolean isSafe(HttpMethod method) {
        return method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD) || method.equals(HttpMethod.OPTIONS);
    }

    /** The origin of the URL asked for ({@code scheme://host[:port]}, default port left out, as browsers write it). */
    static String origin(boolean secure, String host) {
        if (host == null || host.isBlank()) return null;
        return normalize((secure ? "https://" : "http://") + host.strip());
    }

    /** Lower case, without the scheme's default port: {@code https://x:443} and {@code https://x} are one origin. */
    private static String normalize(String origin) {
        String o = origin.strip().toLowerCase(Locale.ROOT);
        if (o.startsWith("https://") && o.endsWith(":443")) return o.substring(0, o.length() - 4);
        if (o.startsWith("http://") && o.endsWith(":80")) return o.substring(0, o.length() - 3);
        return o;
    }

    /** An Origin value for a message: it is the client's own text, so it is cut short and kept to visible ASCII. */
    private static String printable(String origin) {
        StringBuilder out = new StringBuilder(Math.min(origin.length(), 100));
        for (int i = 0; i < origin.length() && out.length() < 100; i++) {
            char c = origin.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.toString();
    }

    private static EdgeError refused(String id, int port, boolean upgrade, HttpRequest request, String why) {
        String what = upgrade ? "A WebSocket" : "A " + request.method().name() + " request";
        return new EdgeError(403, "cross_origin_refused", what + " to port " + port + " of sandbox " + id
                + " was refused: it carried this port's Cove access cookie, but " + why + ". Cove lets only the port's"
                + " own pages send such requests with the cookie. Make the request from a page of this port, or send the"
                + " token in a header (Authorization: Bearer or X-Cove-Access-Token) instead of relying on the cookie.",
                id, port, null, EdgeError.Style.TYPED);
    }
}
