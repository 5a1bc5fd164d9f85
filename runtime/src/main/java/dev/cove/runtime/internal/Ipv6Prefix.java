package dev.cove.runtime.internal;

/** A /32 IPv6 prefix (two hextets); each sandbox slot is the third hextet of a /64 below it. */
public record Ipv6Prefix(int first, int second) {

    public static Ipv6Prefix parse(String cidr) {
        String c = cidr.trim().toLowerCase();
        if (!c.endsWith("::/32"))
            throw new IllegalArgumentException("IPv6 pool must be a /32 written as 'xxxx:xxxx::/32', got '" + cidr + "'");
        String[] hextets = c.substring(0, c.length() - "::/32".length()).split(":");
        if (hextets.length != 2) throw new IllegalArgumentException("IPv6 pool must be a /32 like fd63:6f76::/32, got '" + cidr + "'");
        return new Ipv6Prefix(Integer.parseInt(hextets[0], 16), Integer.parseInt(hextets[1], 16));
    }

    /** Maximum slots the third hextet can hold. */
    public static long slotCount() { return 65536; }

    /** Canonical (RFC 5952) text of {@code <prefix>:<slot>::<host>}. */
    public String address(int slot, int host) {
        int[] h = {first, second, slot, 0, 0, 0, 0, host};
        // compress the longest run (>= 2) of zero hextets
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (h[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && h[j] == 0) j++;
            if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        if (bestLen < 2) bestStart = -1;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(h[i]));
        }
        return sb.toString();
    }
}
