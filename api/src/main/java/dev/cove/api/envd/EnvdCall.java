package dev.cove.api.envd;

import dev.cove.core.CoveException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One agent API request: which sandbox, as which user, and the Connect call options.
 *
 * @param sandboxId       the sandbox
 * @param user            {@code root} or {@code user}
 * @param timeoutMillis   Connect-Timeout-Ms, 0 when absent
 * @param keepaliveMillis Keepalive-Ping-Interval in milliseconds
 */
public record EnvdCall(String sandboxId, String user, long timeoutMillis, long keepaliveMillis) {

    /** An RPC's call: the user from {@code Authorization}, the Connect options from their headers. */
    static EnvdCall of(String sandboxId, ServerRequest req) {
        return new EnvdCall(sandboxId, userOf(req, null), Connect.timeoutMillis(req), Connect.keepaliveMillis(req));
    }

    /** The user: {@code username} query parameter, else {@code Authorization: Basic base64("<user>:")}, else {@code user}. */
    public static String userOf(ServerRequest req, String username) {
        String user = username;
        if (user == null || user.isEmpty()) {
            String auth = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
            if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
                try {
                    String decoded = new String(Base64.getDecoder().decode(auth.substring(6).strip()), StandardCharsets.UTF_8);
                    int colon = decoded.indexOf(':');
                    user = colon >= 0 ? decoded.substring(0, colon) : decoded;
                } catch (IllegalArgumentException e) {
                    throw new CoveException(401, "unauthenticated", "invalid Authorization header");
                }
            }
        }
        if (user == null || user.isEmpty()) user = "user";
        if (!user.equals("root") && !user.equals("user"))
            throw new CoveException(401, "unauthenticated", "invalid username: '" + user + "' (this sandbox has root and user)");
        return user;
    }

    public String home() { return user.equals("root") ? "/root" : "/home/" + user; }

    /** A path as the SDKs send it: absolute, {@code ~}-relative, or relative to the user's home. */
    public String absolute(String path) {
        if (path == null || path.isEmpty()) return home();
        if (path.startsWith("/")) return path;
        if (path.equals("~")) return home();
        if (path.startsWith("~/")) return home() + path.substring(1);
        return home() + "/" + path;
    }
}
