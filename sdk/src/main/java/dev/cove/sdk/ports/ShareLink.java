package dev.cove.sdk.ports;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.internal.Json;

import java.time.Instant;

/**
 * A share link of one sandbox port: a URL that carries its own credential ({@code ?cove_token=cove_link_...}), so
 * whoever has it gets through to a private port until it expires or is revoked. A browser that opens it is
 * redirected to the plain URL with the token in a host-scoped cookie.
 * <p>
 * {@link #url()} and {@link #token()} are known only where the link was made ({@link Ports#share},
 * {@link Sandbox#expose}); the server keeps only the id, so links listed later have neither. Treat both as secrets.
 *
 * @param id        {@code lnk_...}; revoke with {@link Ports#revoke(String)}
 * @param port      the sandbox port it opens (0 if the server did not say)
 * @param url       the URL to hand out, with the token in it; null in listings
 * @param token     the bare token ({@code cove_link_...}) for an {@code Authorization: Bearer} header; null in listings
 * @param createdAt when it was made, or null
 * @param expiresAt when it stops working (its own TTL, or the sandbox's end for a lifetime link)
 * @param lifetime  true when it lives as long as the sandbox (and follows {@code setTimeout} extensions)
 * @param revoked   true once revoked
 */
public record ShareLink(String id, int port, String url, String token, Instant createdAt, Instant expiresAt,
                        boolean lifetime, boolean revoked) {

    static ShareLink of(JsonNode n, int port) {
        return new ShareLink(Json.text(n, "id"), Json.integer(n, "port", port), Json.text(n, "url"),
                Json.text(n, "token"), Json.instant(n, "createdAt"), Json.instant(n, "expiresAt"),
                Json.bool(n, "lifetime"), Json.bool(n, "revoked"));
    }

    /** Without the token and the URL's query (they are credentials). */
    @Override
    public String toString() {
        return "ShareLink{" + id + ", port " + port + ", expiresAt " + expiresAt + (lifetime ? ", lifetime" : "")
                + (revoked ? ", revoked" : "") + "}";
    }
}
