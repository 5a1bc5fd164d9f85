package dev.cove.runtime.net;

import dev.cove.core.net.Cidr;

import java.util.BitSet;
import java.util.Locale;
import java.util.function.IntPredicate;

/**
 * Hands out network slots: slot {@code s} owns the s-th /30 of the IPv4 pool, the /64 {@code <prefix6>:<s>::/64}
 * and the veth names {@code <prefix><s>h} (host) and {@code <prefix><s>s} (sandbox). Thread-safe.
 * Allocation continues after the last slot handed out, so a freed slot is not reused at once.
 */
public final class SlotPool {
    private static final int IFNAMSIZ_MAX = 15;
    /** Slots the IPv6 pool holds: the third hextet of its /32. */
    private static final long SLOTS6 = 65536;

    private final Cidr pool4;
    private final Cidr pool6;
    private final String prefix;
    private final int size;
    private final BitSet used = new BitSet();
    private int next;

    public SlotPool(String subnet4, String subnet6, String prefix) {
        this.pool4 = pool4(subnet4);
        this.pool6 = pool6(subnet6);
        this.prefix = prefix;
        long bySubnet = Math.min(1L << (pool4.hostBits() - 2), SLOTS6); // a /30 per slot
        int digits = IFNAMSIZ_MAX - 1 - prefix.length(); // room for the slot number in "<prefix><slot>h"
        long byName = digits >= 9 ? Long.MAX_VALUE : (long) Math.pow(10, digits);
        this.size = (int) Math.min(bySubnet, byName);
    }

    /** The IPv4 pool: a network between /8 and /30, written without host bits. */
    public static Cidr pool4(String subnet) {
        String t = subnet.strip();
        int slash = t.indexOf('/');
        Cidr c;
        try {
            c = slash < 0 || t.contains(":") ? null : Cidr.parse(t);
        } catch (IllegalArgumentException e) {
            c = null;
        }
        if (c == null || !c.v4()) throw new IllegalArgumentException("not an IPv4 CIDR: '" + subnet + "'");
        if (c.prefix() < 8 || c.prefix() > 30)
            throw new IllegalArgumentException("pool subnet must be between /8 and /30, got '" + subnet + "'");
        if (!Cidr.parse(t.substring(0, slash)).address().equals(c.address()))
            throw new IllegalArgumentException("pool subnet has host bits set: '" + subnet + "'");
        return c;
    }

    /** The IPv6 pool: a /32 written as {@code xxxx:xxxx::/32}; slot {@code s} owns {@code <prefix>:<s>::/64}. */
    public static Cidr pool6(String subnet) {
        String c = subnet.strip().toLowerCase(Locale.ROOT);
        if (!c.endsWith("::/32"))
            throw new IllegalArgumentException("IPv6 pool must be a /32 written as 'xxxx:xxxx::/32', got '" + subnet + "'");
        if (c.substring(0, c.length() - "::/32".length()).split(":").length != 2)
            throw new IllegalArgumentException("IPv6 pool must be a /32 like fd63:6f76::/32, got '" + subnet + "'");
        return Cidr.parse(c);
    }

    public int size() { return size; }

    /** Reserves the next free slot that {@code usable} accepts; throws when the pool is exhausted. */
    public synchronized int allocate(IntPredicate usable) {
        for (int tried = 0; tried < size; tried++) {
            int slot = (next + tried) % size;
            if (used.get(slot) || !usable.test(slot)) continue;
            used.set(slot);
            next = (slot + 1) % size;
            return slot;
        }
        throw new IllegalStateException("all " + size + " network slots of the pool are in use");
    }

    /** Marks a slot as used (re-adoption after a restart). */
    public synchronized void reserve(int slot) {
        if (slot >= 0 && slot < size) used.set(slot);
    }

    public synchronized void release(int slot) {
        if (slot >= 0 && slot < size) used.clear(slot);
    }

    synchronized boolean inUse(int slot) { return used.get(slot); }

    public String hostVeth(int slot) { return prefix + slot + "h"; }

    /** The slot whose host veth this is, or -1. */
    public int slotOf(String hostVeth) {
        if (hostVeth == null || !hostVeth.startsWith(prefix) || !hostVeth.endsWith("h")) return -1;
        String digits = hostVeth.substring(prefix.length(), hostVeth.length() - 1);
        if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) return -1;
        int slot = Integer.parseInt(digits);
        return slot < size ? slot : -1;
    }

    public String sandboxVeth(int slot) { return prefix + slot + "s"; }

    public String hostIpv4(int slot) { return pool4.host(4L * slot + 1); }

    public String sandboxIpv4(int slot) { return pool4.host(4L * slot + 2); }

    public String hostIpv6(int slot) { return slot6(slot).host(1); }

    public String sandboxIpv6(int slot) { return slot6(slot).host(2); }

    private Cidr slot6(int slot) { return pool6.subnet((long) slot << 16, 64); }
}
