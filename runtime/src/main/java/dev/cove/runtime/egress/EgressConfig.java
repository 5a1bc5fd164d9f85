package dev.cove.runtime.egress;

import java.util.List;

/**
 * Node-wide egress settings.
 *
 * @param denyOut      ranges no sandbox may reach whatever its policy (operator's {@code --deny-out}), CIDRs or IPs,
 *                     v4 or v6; on top of the built-in ones (the host, the pools, link-local, metadata)
 * @param dnsUpstreams resolvers the sandboxes' resolver forwards to, {@code ip} or {@code ip:port} ({@code [v6]:port});
 *                     empty = the host's {@code /etc/resolv.conf} nameservers
 */
public record EgressConfig(List<String> denyOut, List<String> dnsUpstreams) {
    public static final EgressConfig DEFAULT = new EgressConfig(List.of(), List.of());

    public EgressConfig {
        denyOut = denyOut == null ? List.of() : List.copyOf(denyOut);
        dnsUpstreams = dnsUpstreams == null ? List.of() : List.copyOf(dnsUpstreams);
        for (String c : denyOut) Cidr.parse(c); // fail at start, not at the first sandbox
    }

    public EgressConfig withDenyOut(List<String> ranges) { return new EgressConfig(ranges, dnsUpstreams); }

    public EgressConfig withDnsUpstreams(List<String> upstreams) { return new EgressConfig(denyOut, upstreams); }
}
