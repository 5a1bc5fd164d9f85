package dev.cove.core.routing;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;

/**
 * Share-link tokens: {@code cove_link_<payload>.<signature>}, the payload being {@code <sandboxId>:<port>:<linkId>:<expiry
 * epoch seconds, 0 = the sandbox's lifetime>} (base64url), the signature HMAC-SHA256 over it with a server secret.
 * The edge checks a token without any lookup but the link's revocation; the store keeps only link ids, never tokens.
 * Thread-safe.
 */
public final class LinkTokens {
    public static final String PREFIX = "cove_link_";
    /** The query parameter a share link's URL carries its token in (the edge takes it from there). */
    public static final String QUERY_PARAMETER = "cove_token";
    private static final String ALGORITHM = "HmacSHA256";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final SecretKeySpec key;

    /** @param secret at least 32 random bytes, kept by the server across restarts */
    public LinkTokens(byte[] secret) {
        if (secret == null || secret.length < 32) throw new IllegalArgumentException("the link secret must have at least 32 bytes");
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
    }

    /** What a valid token says. {@code expiresAt} is null for a link that lives as long as its sandbox. */
    public record Claims(String sandboxId, int port, String linkId, Instant expiresAt) {}

    public String mint(String sandboxId, int port, String linkId, Instant expiresAt) {
        String payload = sandboxId + ":" + port + ":" + linkId + ":" + (expiresAt == null ? 0 : expiresAt.getEpochSecond());
        String encoded = B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return PREFIX + encoded + "." + B64.encodeToString(sign(encoded));
    }

    /** The claims of a well-formed token with a valid signature, else null (expiry is the caller's to check). */
    public Claims verify(String token) {
        if (token == null || !token.startsWith(PREFIX) || token.length() > 512) return null;
        int dot = token.lastIndexOf('.');
        if (dot <= PREFIX.length()) return null;
        String encoded = token.substring(PREFIX.length(), dot);
        try {
            byte[] signature = B64D.decode(token.substring(dot + 1));
            if (!MessageDigest.isEqual(signature, sign(encoded))) return null;
            String[] f = new String(B64D.decode(encoded), StandardCharsets.UTF_8).split(":");
            if (f.length != 4) return null;
            long expiry = Long.parseLong(f[3]);
            return new Claims(f[0], Integer.parseInt(f[1]), f[2], expiry == 0 ? null : Instant.ofEpochSecond(expiry));
        } catch (IllegalArgumentException malformed) { // bad base64 or numbers
            return null;
        }
    }

    private byte[] sign(String encodedPayload) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(encodedPayload.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
