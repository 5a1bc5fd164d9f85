package dev.cove.edge.security;

import java.util.Locale;

/**
 * What becomes of a {@code Set-Cookie} a sandbox's app sends: the browser must keep it for that port's host alone.
 * <ul>
 *   <li>A {@code Domain} attribute is removed, which makes the cookie host-only. Any Domain covers more than the host
 *       the app was asked on (at least its subdomains; {@code Domain=<domain>} every sandbox of the server), and a
 *       cookie tossed onto a sibling host is sent to that sibling's app, shadowing its own cookies.</li>
 *   <li>A cookie named like Cove's own ({@code cove_*}, with any {@code __Host-}/{@code __Secure-} style prefix, in any
 *       case, also hidden in a nameless cookie's value) is dropped: the app has no business setting Cove's credential,
 *       and the edge takes such cookies out of every request to the app anyway.</li>
 * </ul>
 * Pure string work, for the upstream leg's {@link SandboxCookieFilter}.
 */
public final class SandboxCookies {
    private static final String COVE_PREFIX = "cove_";

    private SandboxCookies() {}

    /**
     * @param setCookie one Set-Cookie header value
     * @return the value to send: the same instance when nothing changes, a host-only rewrite, or null to drop it
     */
    static String filter(String setCookie) {
        if (isCovesName(name(setCookie))) return null;
        return withoutDomain(setCookie);
    }

    /**
     * The cookie's name as a browser files it: the text before the first {@code =} of the name-value pair, or, for a
     * pair without {@code =} (a nameless cookie, whose value a browser sends as {@code Cookie: <value>}), that value's
     * own name part.
     */
    static String name(String setCookie) {
        int semicolon = setCookie.indexOf(';');
        String pair = semicolon < 0 ? setCookie : setCookie.substring(0, semicolon);
        int equals = pair.indexOf('=');
        String name = equals < 0 ? "" : pair.substring(0, equals).strip();
        if (!name.isEmpty()) return name;
        String value = equals < 0 ? pair : pair.substring(equals + 1);
        int inner = value.indexOf('=');
        return (inner < 0 ? value : value.substring(0, inner)).strip();
    }

    /** Whether a name is Cove's ({@code cove_*}) once prefixes such as {@code __Host-} and {@code __Secure-} are off. */
    public static boolean isCovesName(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        while (n.startsWith("__")) { // __Host-, __Secure-, and whatever prefix browsers add next
            int dash = n.indexOf('-');
            if (dash < 0) break;
            n = n.substring(dash + 1).strip();
        }
        return n.startsWith(COVE_PREFIX);
    }

    /** The value without any {@code Domain} attribute (the same instance when it has none). */
    static String withoutDomain(String setCookie) {
        int semicolon = setCookie.indexOf(';');
        if (semicolon < 0 || !setCookie.toLowerCase(Locale.ROOT).contains("domain")) return setCookie;
        StringBuilder kept = new StringBuilder(setCookie.length()).append(setCookie, 0, semicolon);
        boolean changed = false;
        for (String attribute : setCookie.substring(semicolon + 1).split(";")) {
            String a = attribute.strip();
            int equals = a.indexOf('=');
            String key = (equals < 0 ? a : a.substring(0, equals)).strip();
            if (key.equalsIgnoreCase("domain")) {
                changed = true;
                continue;
            }
            if (!a.isEmpty()) kept.append("; ").append(a);
        }
        return changed ? kept.toString() : setCookie;
    }
}
