/**
 * A sandbox's network plumbing on the host: the slot pool that hands out addresses and veth names
 * ({@link dev.cove.runtime.net.SlotPool}), the network namespace and routed veth pair
 * ({@link dev.cove.runtime.net.Network}), and the claim that makes one runtime the only owner of its prefix and
 * pools ({@link dev.cove.runtime.net.HostClaim}). Must not touch the firewall (the {@code egress} package confines the
 * veth) nor anything inside the sandbox.
 */
package dev.cove.runtime.net;
