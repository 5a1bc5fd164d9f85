package dev.cove.runtime.egress;

import dev.cove.core.net.Cidr;

import java.util.ArrayList;
import java.util.List;

/**
 * The address ranges no sandbox reaches unless the operator opens them ({@code --allow-private}): private,
 * shared, benchmarking, documentation and reserved ranges, the known cloud metadata addresses outside
 * link-local, and the IPv6 forms that carry an IPv4 address (IPv4-mapped, NAT64) of each IPv4 one. Without this
 * list the masquerade would carry a sandbox into every private network the host can route to (a LAN, a VPC, a
 * VPN, another tenant's service), looking like the host itself.
 *
 * <p>Link-local, loopback, multicast and the unspecified address are {@link #NEVER4}/{@link #NEVER6}: closed for
 * good, not even the operator opens them (the metadata address 169.254.169.254 is among them).
 */
public final class SpecialRanges {
    private SpecialRanges() {}

    /** Never reachable from a sandbox, whatever the operator says. */
    public static final List<String> NEVER4 = List.of("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4",
            "255.255.255.255");
    public static final List<String> NEVER6 = List.of("::/128", "::1/128", "fe80::/10", "ff00::/8");

    /** Closed unless opened by the operator. */
    public static final List<String> CLOSED4 = List.of(
            "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",    // RFC 1918
            "100.64.0.0/10",                                      // shared address space (CGNAT); 100.100.100.200 metadata
            "192.0.0.0/24",                                       // IETF protocol assignments
            "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",  // documentation
            "192.88.99.0/24",                                     // 6to4 relay anycast
            "198.18.0.0/15",                                      // benchmarking
            "240.0.0.0/4",                                        // reserved
            "168.63.129.16");                                     // Azure's metadata and DNS
    public static final List<String> CLOSED6 = List.of(
            "fc00::/7",                                           // unique local (fd00:ec2::254 metadata)
            "64:ff9b:1::/48",                                     // local-use NAT64
            "100::/64",                                           // discard-only
            "2001::/32",                                          // Teredo (tunnels to IPv4)
            "2001:2::/48",                                        // benchmarking
            "2001:db8::/32", "3fff::/20",                         // documentation
            "2002::/16",                                          // 6to4 (tunnels to IPv4; deprecated, RFC 7526)
            "::ffff:0:0/96");                                     // IPv4-mapped: never valid on the wire

    /** The closed IPv4 ranges and their NAT64 ({@code 64:ff9b::/96}) forms, as v4 and v6 CIDRs. */
    public static List<Cidr> closed() {
        List<Cidr> out = new ArrayList<>();
        for (String c : CLOSED4) {
            Cidr v4 = Cidr.parse(c);
            out.add(v4);
            out.add(embedded(v4, "64:ff9b::"));
        }
        for (String c : NEVER4) {
            if (c.equals("255.255.255.255")) continue;
            out.add(embedded(Cidr.parse(c), "64:ff9b::"));
        }
        for (String c : CLOSED6) out.add(Cidr.parse(c));
        return out;
    }

    public static List<Cidr> never() {
        List<Cidr> out = new ArrayList<>();
        for (String c : NEVER4) out.add(Cidr.parse(c));
        for (String c : NEVER6) out.add(Cidr.parse(c));
        return out;
    }

    /** True when {@code c} lies inside one of the closed or never-open ranges. */
    public static boolean isSpecial(Cidr c) {
        for (Cidr s : closed()) if (s.covers(c)) return true;
        for (Cidr s : never()) if (s.covers(c)) return true;
        return false;
    }

    /** True when {@code c} lies inside a never-open range (link-local, loopback, multicast). */
    public static boolean isNever(Cidr c) {
        for (Cidr s : never()) if (s.covers(c)) return true;
        for (String n : NEVER4) if (!n.equals("255.255.255.255") && embedded(Cidr.parse(n), "64:ff9b::").covers(c)) return true;
        return false;
    }

    /** An IPv4 range inside a /96 IPv6 prefix (NAT64 or IPv4-mapped form). */
    static Cidr embedded(Cidr v4, String prefix96) {
        byte[] p = Cidr.parse(prefix96 + "/96").network().clone();
        System.arraycopy(v4.network(), 0, p, 12, 4);
        return new Cidr(p, 96 + v4.prefix());
    }
}
