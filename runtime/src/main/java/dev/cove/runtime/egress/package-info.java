/**
 * What a sandbox may reach, and what keeps it so while Cove is down: the node's nftables tables ({@link
 * dev.cove.runtime.egress.Firewall}: per-sandbox policy, source checks, budgets, the closed
 * {@link dev.cove.runtime.egress.SpecialRanges}), the transparent filter for domain rules
 * ({@link dev.cove.runtime.egress.EgressFilter}), the denial log (NFLOG) and {@link dev.cove.runtime.egress.Egress},
 * which ties them to the runtime. The resolver is in {@code egress.dns}. Everything here runs in the host network
 * namespace; nothing here touches containers, cgroups or files of a sandbox (that is the runtime's). The contract:
 * {@code docs/network.md}.
 */
package dev.cove.runtime.egress;
