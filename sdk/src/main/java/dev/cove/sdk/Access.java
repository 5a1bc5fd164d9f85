package dev.cove.sdk;

import java.util.Locale;

/**
 * Who gets through to a sandbox port's URL ({@code https://<port>-<id>.<domain>/}).
 * <ul>
 *   <li>{@link #PRIVATE}: only requests that carry a credential, the sandbox's traffic access token
 *       ({@link Sandbox#getTrafficAccessToken()}) or a share link of that port;</li>
 *   <li>{@link #LINK}: the same as private, and exposing the port creates a share link right away;</li>
 *   <li>{@link #PUBLIC}: everyone who has the URL (and can reach Cove's edge).</li>
 * </ul>
 */
public enum Access {
    PRIVATE, LINK, PUBLIC;

    /** The name on the wire: {@code private}, {@code link}, {@code public}. */
    public String wire() { return name().toLowerCase(Locale.ROOT); }

    /** Parses a wire name (any case); null for null. @throws IllegalArgumentException for anything else */
    public static Access of(String wire) {
        if (wire == null) return null;
        switch (wire.strip().toLowerCase(Locale.ROOT)) {
            case "private": return PRIVATE;
            case "link": return LINK;
            case "public": return PUBLIC;
            default: throw new IllegalArgumentException("access must be private, link or public, not '" + wire + "'");
        }
    }

    /** A policy as the server names it; null when absent or unknown to this SDK version. */
    public static Access fromServer(String wire) {
        try {
            return of(wire);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() { return wire(); }
}
