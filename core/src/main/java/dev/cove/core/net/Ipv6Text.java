package dev.cove.core.net;

/** IPv6 addresses as people write them (RFC 5952): lower-case hex, the longest run of two or more zero groups as {@code ::}. */
public final class Ipv6Text {
    private Ipv6Text() {}

    /** @param g the eight 16-bit groups */
    public static String of(int[] g) {
        if (g.length != 8) throw new IllegalArgumentException("an IPv6 address has 8 groups, got " + g.length);
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!out.isEmpty() && out.charAt(out.length() - 1) != ':') out.append(':');
            out.append(Integer.toHexString(g[i]));
        }
        return out.toString();
    }
}
