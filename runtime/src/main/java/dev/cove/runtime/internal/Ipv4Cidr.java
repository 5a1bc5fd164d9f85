package dev.cove.runtime.internal;

/** An IPv4 network in CIDR form; slot addresses are computed from it. */
public record Ipv4Cidr(int base, int prefixLength) {

    public static Ipv4Cidr parse(String cidr) {
        String[] parts = cidr.trim().split("/");
        if (parts.length != 2) throw new IllegalArgumentException("not an IPv4 CIDR: '" + cidr + "'");
        String[] octets = parts[0].split("\\.");
        if (octets.length != 4) throw new IllegalArgumentException("not an IPv4 CIDR: '" + cidr + "'");
        int address = 0;
        for (String octet : octets) {
            int value = Integer.parseInt(octet);
            if (value < 0 || value > 255) throw new IllegalArgumentException("not an IPv4 CIDR: '" + cidr + "'");
            address = (address << 8) | value;
        }
        int length = Integer.parseInt(parts[1]);
        if (length < 8 || length > 30)
            throw new IllegalArgumentException("pool subnet must be between /8 and /30, got '" + cidr + "'");
        int mask = (int) (0xFFFFFFFFL << (32 - length));
        if ((address & ~mask) != 0)
            throw new IllegalArgumentException("pool subnet has host bits set: '" + cidr + "'");
        return new Ipv4Cidr(address, length);
    }

    /** Number of /30 blocks in the network. */
    public long slotCount() { return 1L << (30 - prefixLength); }

    /** Address at {@code offset} from the network address, dotted. */
    public String address(long offset) {
        long a = (base & 0xFFFFFFFFL) + offset;
        return ((a >> 24) & 255) + "." + ((a >> 16) & 255) + "." + ((a >> 8) & 255) + "." + (a & 255);
    }
}
