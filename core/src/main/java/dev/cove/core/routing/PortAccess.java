package dev.cove.core.routing;

import dev.cove.core.CoveException;

import java.util.Locale;

/** Who may reach a sandbox port through the edge (see {@code docs/ports.md}). */
public enum PortAccess {
    /** Requests must carry the sandbox's traffic access token or a share link of the port. */
    PRIVATE,
    /** As {@link #PRIVATE}; the port is meant to be shared: exposing it creates a share link. */
    LINK,
    /** Everyone with the URL. */
    PUBLIC;

    public String wire() { return name().toLowerCase(Locale.ROOT); }

    public boolean needsCredential() { return this != PUBLIC; }

    /** Parses {@code private}, {@code link} or {@code public}; a 400 naming the field otherwise. */
    public static PortAccess parse(String value, String field) {
        if (value != null) {
            for (PortAccess a : values()) if (a.wire().equals(value)) return a;
        }
        throw CoveException.badRequest(field + " must be \"private\", \"link\" or \"public\", got "
                + (value == null ? "nothing" : "\"" + value + "\""));
    }
}
