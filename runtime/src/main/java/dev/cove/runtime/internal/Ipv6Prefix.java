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
        return dev.cove.core.net.Ipv6Text.of(new int[]{first, second, slot, 0, 0, 0, 0, host});
    }
}
