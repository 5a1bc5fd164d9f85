package dev.cove.core.routing;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Node-to-node authentication of a cluster: a node that forwards a request to the node owning its sandbox signs it
 * with the cluster's shared secret, in {@value #HEADER}, together with the original client's address and scheme. The
 * owner trusts that address and scheme (for its audit, access log and access decisions) only when the signature
 * verifies; anything else carrying the header (a client, a sandbox, a forgery, a stale replay) is treated as if it had
 * none, and the edge drops the header like every {@code x-cove-*} a client sends.
 *
 * <p>Header value: {@code v1;t=<unix seconds>;for=<client address>;proto=<http|https>;mac=<base64url>}, the MAC being
 * HMAC-SHA256 over the version, the time, the method, the Host, the request target (path and query), the client
 * address and the scheme. It holds {@value #VALIDITY_SECONDS} s either side of the verifier's clock, so a captured
 * header replays at most the same method on the same URL within that window. Pure computation: no I/O, never blocks.
 */
public final class NodeForwardSignature {
    /** Set by the forwarding node's edge (or API) only; {@code x-cove-*}, so every edge drops it from clients. */
    public static final String HEADER = "x-cove-node-forward";
    /** How far the signed time may be from the verifier's, either way (clock skew plus transit). */
    public static final long VALIDITY_SECONDS = 30;
    private static final String ALGORITHM = "HmacSHA256";
    private static final String VERSION = "v1";
    /** Bytes of a secret made by {@link #newSecret()}. */
    private static final int SECRET_BYTES = 32;

    /** A verified forward: the address and scheme of the client the forwarding node served. */
    public record Forwarded(String clientAddress, boolean secure) {}

    private final SecretKeySpec key;
    /** Mac instances are not thread-safe; event loops each keep one. */
    private final ThreadLocal<Mac> macs;

    /** @param secret the cluster's shared secret (at least 16 bytes); kept, never printed */
    public NodeForwardSignature(byte[] secret) {
        if (secret == null || secret.length < 16) throw new IllegalArgumentException("the cluster secret must have at least 16 bytes");
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    /** A new random secret, base64 (as the catalog keeps it). */
    public static String newSecret() {
        byte[] bytes = new byte[SECRET_BYTES];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** The secret as the catalog keeps it (base64). */
    public static NodeForwardSignature fromBase64(String secret) {
        return new NodeForwardSignature(Base64.getDecoder().decode(secret.strip()));
    }

    /** The header value for a request forwarded now, on behalf of a client at {@code clientAddress}. */
    public String sign(long unixSeconds, String method, String host, String target, String clientAddress, boolean secure) {
        String proto = secure ? "https" : "http";
        String mac = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(mac(unixSeconds, method, host, target, clientAddress, proto));
        return VERSION + ";t=" + unixSeconds + ";for=" + clientAddress + ";proto=" + proto + ";mac=" + mac;
    }

    /**
     * The forward {@code header} vouches for, or null when it does not verify: malformed, another version, out of its
     * time window, or a MAC that does not match this request (compared in constant time).
     */
    public Forwarded verify(String header, long nowUnixSeconds, String method, String host, String target) {
        if (header == null || header.length() > 512 || !header.startsWith(VERSION + ";")) return null;
        String t = null, forAddress = null, proto = null, mac = null;
        for (String part : header.substring(VERSION.length() + 1).split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) return null;
            String value = part.substring(eq + 1);
            switch (part.substring(0, eq)) {
                case "t" -> t = value;
                case "for" -> forAddress = value;
                case "proto" -> proto = value;
                case "mac" -> mac = value;
                default -> { return null; }
            }
        }
        if (t == null || forAddress == null || forAddress.isEmpty() || mac == null
                || !("http".equals(proto) || "https".equals(proto))) {
            return null;
        }
        long signedAt;
        byte[] given;
        try {
            signedAt = Long.parseLong(t);
            given = Base64.getUrlDecoder().decode(mac);
        } catch (IllegalArgumentException malformed) {
            return null;
        }
        if (Math.abs(nowUnixSeconds - signedAt) > VALIDITY_SECONDS) return null;
        byte[] expected = mac(signedAt, method, host, target, forAddress, proto);
        return MessageDigest.isEqual(expected, given) ? new Forwarded(forAddress, proto.equals("https")) : null;
    }

    private byte[] mac(long unixSeconds, String method, String host, String target, String clientAddress, String proto) {
        String signed = VERSION + '\n' + unixSeconds + '\n' + method + '\n' + (host == null ? "" : host) + '\n'
                + target + '\n' + clientAddress + '\n' + proto;
        Mac m = macs.get();
        return m.doFinal(signed.getBytes(StandardCharsets.UTF_8)); // doFinal resets it for the next use
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance(ALGORITHM);
            m.init(key);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() { return "NodeForwardSignature[secret hidden]"; }
}
