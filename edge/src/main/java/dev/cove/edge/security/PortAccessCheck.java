package dev.cove.edge.security;

import dev.cove.edge.http.EdgeError;
import dev.cove.edge.routing.Router;

import dev.cove.core.routing.PortAccessPolicy;
import dev.cove.core.routing.LinkTokens;
import dev.cove.core.routing.PortAccess;
import dev.cove.core.routing.SandboxRoute;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who may pass to a sandbox port: applies the sandbox's {@link PortAccessPolicy} to one request (see
 * {@code docs/ports.md}). Reads the credential from its carriers, takes Cove's credentials out of the request (the app
 * never sees them), and turns a token in the query string of a browser navigation into a host-scoped cookie with a
 * redirect to the clean URL. Pure computation on the event loop.
 */
public final class PortAccessCheck {
    /** The query parameter a share link carries its token in. */
    static final String QUERY_PARAMETER = LinkTokens.QUERY_PARAMETER;
    /**
     * The cookie a browser keeps the token in. The {@code __Host-} prefix makes browsers accept it only with
     * {@code Secure}, {@code Path=/} and no {@code Domain}, set by the host itself: a sibling sandbox's page can then
     * neither toss one of this name onto this host (through a shared parent domain) nor shadow it with a longer Path.
     */
    static final String COOKIE = "__Host-cove_access";
    /**
     * The same cookie where {@code Secure} is impossible (plain HTTP on a name other than {@code localhost}): browsers
     * refuse {@code __Host-} cookies there, so it keeps the plain name and with it the weaker protection (see
     * {@code docs/browser-isolation.md}).
     */
    static final String PLAIN_COOKIE = "cove_access";
    static final AsciiString ACCESS_HEADER = AsciiString.cached("x-cove-access-token");
    private static final String BEARER = "bearer ";

    public sealed interface Outcome permits Pass, Refuse, Redirect {}

    /**
     * Go on to the port.
     *
     * @param via      {@code public}, {@code token} or {@code link}
     * @param linkId   the share link used, or null
     * @param byCookie the credential was Cove's cookie, which a browser sends by itself (even on requests another site
     *                 makes): {@link CrossSiteGuard} then checks where the request came from
     */
    public record Pass(String via, String linkId, boolean byCookie) implements Outcome {
        Pass(String via, String linkId) { this(via, linkId, false); }
    }

    public record Refuse(EdgeError error) implements Outcome {}

    /** A browser brought a token in the query string: set the cookie and send it to the URL without the token. */
    public record Redirect(String location, String setCookie, String via, String linkId) implements Outcome {}

    private static final Pass PUBLIC = new Pass("public", null);

    private final LinkTokens links;
    private final Clock clock;

    /** @param links verifies share-link tokens; null when this edge accepts none */
    public PortAccessCheck(LinkTokens links, Clock clock) {
        this.links = links;
        this.clock = clock;
    }

    /**
     * Checks {@code request} (for a port other than the agent's) against the route's policy, and on success removes
     * Cove's credential from it.
     *
     * @param secure  the client came over TLS (the cookie is {@code Secure} then, and on {@code *.localhost})
     * @param browser the request is a browser navigation (a token in its query string becomes a cookie)
     */
    public Outcome check(SandboxRoute route, int port, HttpRequest request, boolean secure, boolean browser) {
        PortAccessPolicy policy = route.portAccess();
        Instant now = clock.instant();
        String id = route.sandboxId();
        HttpHeaders headers = request.headers();
        Credential credential = new Credential();
        String fromQuery = queryToken(request, credential); // always taken out of the URI, used or not
        if (credential.uriWithoutToken != null) request.setUri(credential.uriWithoutToken);

        PortAccessPolicy.PortRule rule = policy.ports().get(port);
        Instant closed = rule == null || policy.allPublic() ? null : rule.closedBy(now);
        if (closed != null) return new Refuse(exposureExpired(id, port, rule, closed));
        if (!policy.accessOf(port).needsCredential()) {
            removeCoveBearer(headers, policy.trafficAccessToken()); // Cove's tokens never reach the app, even here
            return PUBLIC; // the other carriers are not even looked at (X-Cove-* and cove_* cookies are dropped anyway)
        }

        boolean secureCookie = secureCookie(secure, headers);
        find(headers, policy.trafficAccessToken(), fromQuery, secureCookie ? COOKIE : PLAIN_COOKIE, credential);
        if (credential.value == null) {
            return new Refuse(policy.e2bPrivate() ? EdgeError.trafficToken(id, port, true) : tokenRequired(id, port));
        }
        String via;
        String linkId = null;
        Instant cookieExpiry = null;
        if (policy.trafficAccessToken() != null && equal(credential.value, policy.trafficAccessToken())) {
            via = "token";
        } else if (credential.value.startsWith(LinkTokens.PREFIX)) {
            LinkTokens.Claims claims = links == null ? null : links.verify(credential.value);
            if (claims == null || !claims.sandboxId().equals(id)) return new Refuse(tokenInvalid(id, port, policy, null));
            if (claims.port() != port) return new Refuse(tokenInvalid(id, port, policy, claims.port()));
            PortAccessPolicy.LinkGrant grant = policy.links().get(claims.linkId());
            if (grant == null) return new Refuse(tokenInvalid(id, port, policy, null));
            if (grant.revoked()) return new Refuse(linkRevoked(id, port, claims.linkId()));
            if (claims.expiresAt() != null && !now.isBefore(claims.expiresAt())) {
                return new Refuse(tokenExpired(id, port, claims.linkId(), claims.expiresAt()));
            }
            via = "link";
            linkId = claims.linkId();
            cookieExpiry = claims.expiresAt();
        } else {
            return new Refuse(tokenInvalid(id, port, policy, null));
        }
        if (credential.fromAuthorization) headers.remove(HttpHeaderNames.AUTHORIZATION);
        if (credential.fromQuery && browser && isSafe(request)) {
            return new Redirect(sameHostLocation(credential.uriWithoutToken),
                    cookie(credential.value, cookieExpiry, now, secureCookie), via, linkId);
        }
        return new Pass(via, linkId, credential.fromCookie);
    }

    // ---- carriers ------------------------------------------------------------------------------------------

    private static final class Credential {
        String value;
        boolean fromAuthorization;
        /** The credential came in the query string (a browser then gets it as a cookie). */
        boolean fromQuery;
        /** The credential was Cove's cookie. */
        boolean fromCookie;
        /** The request URI without the token parameter, or null when the query carried none. */
        String uriWithoutToken;
    }

    /**
     * The first credential in the documented order: E2B's header, Bearer, Cove's header, query, cookie.
     *
     * @param fromQuery  the token the query string carried ({@link #queryToken}), or null
     * @param cookieName the one cookie name read: {@link #COOKIE} wherever the edge sets that one
     */
    private static void find(HttpHeaders headers, String trafficToken, String fromQuery, String cookieName, Credential c) {
        String header = headers.get(Router.TRAFFIC_TOKEN_HEADER);
        if (notEmpty(header)) { c.value = header; return; }
        String bearer = bearer(headers);
        // Only Cove's own tokens are taken from Authorization: any other belongs to the app.
        if (bearer != null && (bearer.startsWith(LinkTokens.PREFIX) || (trafficToken != null && equal(bearer, trafficToken)))) {
            c.value = bearer;
            c.fromAuthorization = true;
            return;
        }
        String coveHeader = headers.get(ACCESS_HEADER);
        if (notEmpty(coveHeader)) { c.value = coveHeader; return; }
        if (fromQuery != null) { c.value = fromQuery; c.fromQuery = true; return; }
        c.value = cookie(headers, cookieName);
        c.fromCookie = c.value != null;
    }

    private static String queryToken(HttpRequest request, Credential c) {
        String uri = request.uri();
        int q = uri.indexOf('?');
        if (q < 0 || !uri.contains(QUERY_PARAMETER + "=")) return null;
        StringBuilder kept = new StringBuilder(uri.length());
        kept.append(uri, 0, q);
        String token = null;
        String query = uri.substring(q + 1);
        int hash = query.indexOf('#');
        if (hash >= 0) query = query.substring(0, hash);
        boolean first = true;
        for (String pair : query.split("&")) {
            if (pair.startsWith(QUERY_PARAMETER + "=")) {
                if (token == null) token = pair.substring(QUERY_PARAMETER.length() + 1);
                continue;
            }
            if (pair.isEmpty()) continue;
            kept.append(first ? '?' : '&').append(pair);
            first = false;
        }
        c.uriWithoutToken = kept.isEmpty() ? "/" : kept.toString();
        return notEmpty(token) ? URLDecoder.decode(token, StandardCharsets.UTF_8) : null;
    }

    /** Takes a Cove token out of {@code Authorization}; an app's own Authorization stays. */
    private static void removeCoveBearer(HttpHeaders headers, String trafficToken) {
        String bearer = bearer(headers);
        if (bearer != null && (bearer.startsWith(LinkTokens.PREFIX) || (trafficToken != null && equal(bearer, trafficToken)))) {
            headers.remove(HttpHeaderNames.AUTHORIZATION);
        }
    }

    private static String bearer(HttpHeaders headers) {
        String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || auth.length() <= BEARER.length() || !auth.regionMatches(true, 0, BEARER, 0, BEARER.length())) return null;
        return auth.substring(BEARER.length()).strip();
    }

    /** The value of the cookie named exactly {@code name} (cookie names are case-sensitive), or null. */
    private static String cookie(HttpHeaders headers, String name) {
        for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
            for (String pair : header.split(";")) {
                String p = pair.strip();
                if (p.startsWith(name) && p.length() > name.length() + 1 && p.charAt(name.length()) == '=') {
                    return p.substring(name.length() + 1);
                }
            }
        }
        return null;
    }

    /**
     * Whether the browser keeps a {@code Secure} cookie for this request: over TLS, and on plain HTTP only for
     * localhost names (browsers count them as secure contexts). Only then can the cookie carry the {@code __Host-} prefix.
     */
    static boolean secureCookie(boolean secure, HttpHeaders headers) {
        if (secure) return true;
        String name = dev.cove.core.routing.SandboxHost.hostname(headers.get(HttpHeaderNames.HOST));
        return name.equals("localhost") || name.endsWith(".localhost");
    }

    private static String cookie(String token, Instant expiresAt, Instant now, boolean secureCookie) {
        // Host-only (no Domain) and Path=/ always; with Secure the __Host- prefix makes the browser hold Cove to that.
        StringBuilder c = new StringBuilder(secureCookie ? COOKIE : PLAIN_COOKIE).append('=').append(token)
                .append("; Path=/; HttpOnly; SameSite=Lax");
        if (secureCookie) c.append("; Secure");
        if (expiresAt != null) c.append("; Max-Age=").append(Math.max(1, Duration.between(now, expiresAt).toSeconds()));
        return c.toString();
    }

    /**
     * Where the 303 after the token-to-cookie exchange points: a path on the same host, never another. An
     * absolute-form request target ({@code http://host/x}) keeps only its path; a path that a browser would read as
     * another host ({@code //evil/x}, {@code /\evil/x}, also with tabs or newlines between, which URL parsers drop)
     * becomes {@code /}.
     */
    static String sameHostLocation(String uri) {
        String location = uri;
        int scheme = location.indexOf("://");
        if (scheme > 0 && location.indexOf('/') == scheme + 1) { // absolute-form: scheme://authority/path
            int path = location.indexOf('/', scheme + 3);
            location = path < 0 ? "/" : location.substring(path);
        }
        StringBuilder probe = new StringBuilder(3);
        for (int i = 0; i < location.length() && probe.length() < 2; i++) {
            char ch = location.charAt(i);
            if (ch != '\t' && ch != '\n' && ch != '\r') probe.append(ch);
        }
        if (probe.isEmpty() || probe.charAt(0) != '/') return "/";
        if (probe.length() > 1 && (probe.charAt(1) == '/' || probe.charAt(1) == '\\')) return "/";
        for (int i = 0; i < location.length(); i++) {
            if (location.charAt(i) < 0x20 || location.charAt(i) == 0x7f) return "/"; // never a control character in a header
        }
        return location;
    }

    private static boolean isSafe(HttpRequest request) {
        String m = request.method().name();
        return m.equals("GET") || m.equals("HEAD");
    }

    private static boolean notEmpty(String s) { return s != null && !s.isEmpty(); }

    private static boolean equal(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    // ---- refusals ------------------------------------------------------------------------------------------

    private static EdgeError tokenRequired(String id, int port) {
        return new EdgeError(401, "token_required", "Port " + port + " of sandbox " + id + " is private. Send the "
                + "sandbox's trafficAccessToken (header e2b-traffic-access-token or Authorization: Bearer) or open a "
                + "share link of this port.", id, port, null, EdgeError.Style.TYPED);
    }

    private static EdgeError tokenInvalid(String id, int port, PortAccessPolicy policy, Integer linkPort) {
        if (policy.e2bPrivate() && linkPort == null) return EdgeError.trafficToken(id, port, false);
        String message = linkPort != null
                ? "This share link opens port " + linkPort + " of sandbox " + id + ", not port " + port + "."
                : "The token sent is not valid for port " + port + " of sandbox " + id
                + ". Use the sandbox's trafficAccessToken or a share link of this port.";
        return new EdgeError(403, "token_invalid", message, id, port, null, EdgeError.Style.TYPED);
    }

    private static EdgeError tokenExpired(String id, int port, String linkId, Instant expiredAt) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("linkId", linkId);
        details.put("expiredAt", expiredAt.toString());
        return new EdgeError(403, "token_expired", "This share link of port " + port + " of sandbox " + id
                + " expired at " + expiredAt + ". Ask for a new link.", id, port, details, EdgeError.Style.TYPED);
    }

    private static EdgeError linkRevoked(String id, int port, String linkId) {
        return new EdgeError(403, "link_revoked", "This share link of port " + port + " of sandbox " + id
                + " was revoked. Ask for a new link.", id, port, Map.of("linkId", linkId), EdgeError.Style.TYPED);
    }

    private static EdgeError exposureExpired(String id, int port, PortAccessPolicy.PortRule rule, Instant closed) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("closedAt", closed.toString());
        details.put("reason", rule.closedAt() != null ? "unexposed" : "window_ended");
        String how = rule.closedAt() != null ? "was closed (unexposed) at " : "was exposed until ";
        return new EdgeError(403, "exposure_expired", "Port " + port + " of sandbox " + id + " " + how + closed
                + ". Expose it again to reopen it.", id, port, details, EdgeError.Style.TYPED);
    }
}
