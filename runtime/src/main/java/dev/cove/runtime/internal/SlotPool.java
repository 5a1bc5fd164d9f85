package dev.cove.runtime.internal;

import java.util.BitSet;
import java.util.function.IntPredicate;

/**
 * Hands out network slots: slot {@code s} owns the s-th /30 of the IPv4 pool, the /64 {@code <prefix6>:<s>::/64}
 * and the veth names {@code <prefix><s>h} (host) and {@code <prefix><s>s} (sandbox). Thread-safe.
 * Allocation continues after the last slot handed out, so a freed slot is not reused at once.
 */
public final class SlotPool {
    private static final int IFNAMSIZ_MAX = 15;

    private final Ipv4Cidr pool4;
    private final Ipv6Prefix pool6;
    private final String prefix;
    private final int size;
    private final BitSet used = new BitSet();
    private int next;

    public SlotPool(String subnet4, String subnet6, String prefix) {
        this.pool4 = Ipv4Cidr.parse(subnet4);
        this.pool6 = Ipv6Prefix.parse(subnet6);
        this.prefix = prefix;
        long bySubnet = Math.min(pool4.slotCount(), Ipv6Prefix.slotCount());
        int digits = IFNAMSIZ_MAX - 1 - prefix.length(); // room for the slot number in "<prefix><slot>h"
        long byName = digits >= 9 ? Long.MAX_VALUE : (long) Math.pow(10, digits);
        this.size = (int) Math.min(bySubnet, byName);
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

    public synchronized boolean inUse(int slot) { return used.get(slot); }

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

    public String hostIpv4(int slot) { return pool4.address(4L * slot + 1); }

    public String sandboxIpv4(int slot) { return pool4.address(4L * slot + 2); }

    public String hostIpv6(int slot) { return pool6.address(slot, 1); }

    public String sandboxIpv6(int slot) { return pool6.address(slot, 2); }
}
