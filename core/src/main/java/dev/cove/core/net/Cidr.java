package dev.cove.core.net;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network (an address is a /32 or /128), host bits cleared; never resolves names. The node's one
 * address-range type: egress policies and special ranges, and the sandbox pools whose slots are addressed with
 * {@link #subnet} and {@link #host}.
 */
public record Cidr(byte[] network, int prefix) {

    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty address range");
        String t = text.strip();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        byte[] bytes;
        try {
            bytes = InetAddress.ofLiteral(addr).getAddress();
            if (bytes.length == 4 && addr.contains(":")) bytes = mapped(bytes); // Java turns ::ffff:a.b.c.d into IPv4
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IP address or CIDR: '" + text + "'");
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IP address or CIDR: '" + text + "'");
            }
            if (prefix < 0 || prefix > max) throw new IllegalArgumentException("prefix out of range in '" + text + "'");
        }
        return new Cidr(mask(bytes, prefix), prefix);
    }

    private static byte[] mapped(byte[] v4) {
        byte[] out = new byte[16];
        out[10] = (byte) 0xFF;
        out[11] = (byte) 0xFF;
        System.arraycopy(v4, 0, out, 12, 4);
        return out;
    }

    private boolean isMapped() {
        if (network.length != 16) return false;
        for (int i = 0; i < 10; i++) if (network[i] != 0) return false;
        return network[10] == (byte) 0xFF && network[11] == (byte) 0xFF;
    }

    /** True when the text is an IP or CIDR (not a domain). */
    public static boolean isCidr(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] mask(byte[] a, int prefix) {
        byte[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - 8 * i));
            out[i] &= (byte) (0xFF << (8 - bits));
        }
        return out;
    }

    /** The network address. */
    public InetAddress address() {
        try {
            return InetAddress.getByAddress(network);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean v4() { return network.length == 4; }

    /** The number of host bits: 32 or 128 minus the prefix. */
    public int hostBits() { return network.length * 8 - prefix; }

    /**
     * The {@code index}-th subnet of length {@code length} inside this network ({@code 10.200.0.0/16} → subnet 64 of
     * length 30 is {@code 10.200.1.0/30}).
     */
    public Cidr subnet(long index, int length) {
        if (length < prefix || length > network.length * 8)
            throw new IllegalArgumentException("a /" + length + " is not a subnet of " + this);
        if (index < 0 || (length - prefix < 63 && index >= 1L << (length - prefix)))
            throw new IllegalArgumentException("subnet " + index + " of length /" + length + " is outside " + this);
        return new Cidr(add(network, index, network.length * 8 - length), length);
    }

    /**
     * The address {@code offset} above the network address, as people write it: dotted IPv4, or IPv6 in its RFC 5952
     * form ({@link Ipv6Text}).
     */
    public String host(long offset) {
        if (offset < 0 || (hostBits() < 63 && offset >= 1L << hostBits()))
            throw new IllegalArgumentException("host " + offset + " is outside " + this);
        byte[] a = add(network, offset, 0);
        if (a.length == 4) return (a[0] & 255) + "." + (a[1] & 255) + "." + (a[2] & 255) + "." + (a[3] & 255);
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = (a[2 * i] & 255) << 8 | (a[2 * i + 1] & 255);
        return Ipv6Text.of(groups);
    }

    /** {@code a + (value << shift)}, big-endian, carrying over whole bytes. */
    private static byte[] add(byte[] a, long value, int shift) {
        byte[] out = a.clone();
        BigInteger sum = new BigInteger(1, a).add(BigInteger.valueOf(value).shiftLeft(shift));
        byte[] s = sum.toByteArray();
        for (int i = 0; i < out.length; i++) {
            int from = s.length - out.length + i;
            out[i] = from >= 0 ? s[from] : 0;
        }
        return out;
    }

    public boolean contains(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != network.length) return false;
        return Arrays.equals(mask(b, prefix), network);
    }

    /** nft syntax ({@code 10.0.0.0/8}, {@code 198.18.1.10}, {@code fe80:0:0:0:0:0:0:0/10}: nft takes the long v6 form). */
    public String nft() {
        try {
            String host = isMapped() ? "::ffff:" + InetAddress.getByAddress(Arrays.copyOfRange(network, 12, 16)).getHostAddress()
                    : InetAddress.getByAddress(network).getHostAddress();
            return prefix == network.length * 8 ? host : host + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True when every address of {@code other} is inside this range (same family). */
    public boolean covers(Cidr other) {
        return other.network.length == network.length && other.prefix >= prefix
                && Arrays.equals(mask(other.network, prefix), network);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(network) * 31 + prefix; }

    @Override
    public String toString() { return nft(); }

    public static boolean isV4(InetAddress a) { return a instanceof Inet4Address; }
}
