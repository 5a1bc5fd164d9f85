/**
 * The sandboxes' resolver: decides each query by the sandbox's egress policy ({@code DnsVerdicts}: host-internal
 * names NXDOMAIN, names a sandbox with the internet off may not reach REFUSED), relays the rest through one connected
 * socket per upstream ({@code DnsRelay}, {@code DnsUpstream}) within per-sandbox budgets ({@code DnsBudgets}), and
 * answers the egress filter's lookups ({@code DnsLookups}). It never opens anything in the firewall; it only reads the
 * sandbox's policy through the function {@link dev.cove.runtime.egress.dns.Dns} is given.
 */
package dev.cove.runtime.egress.dns;
