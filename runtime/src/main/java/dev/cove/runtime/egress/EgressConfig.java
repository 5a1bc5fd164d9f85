package dev.cove.runtime.egress;

import dev.cove.core.net.Cidr;

import java.util.List;

/**
 * Node-wide egress settings.
 *
 * @param denyOut      ranges no sandbox may reach whatever its policy (operator's {@code --deny-out}), CIDRs or IPs,
 *                     v4 or v6; on top of the built-in ones (the host, the pools, link-local, metadata)
 * @param dnsUpstreams resolvers the sandboxes' resolver forwards to, {@code ip} or {@code ip:port} ({@code [v6]:port});
 *                     empty = the host's {@code /etc/resolv.conf} nameservers
 * @param allowPrivate closed special ranges ({@link SpecialRanges}: private, shared, ULA, benchmarking, …) that the
 *                     operator opens to sandboxes ({@code --allow-private}); a sandbox's allowOut may name a special
 *                     range only inside these. Link-local, loopback and multicast cannot be opened.
 */
public record EgressConfig(List<String> denyOut, List<String> dnsUpstreams, List<String> allowPrivate) {
    public static final EgressConfig DEFAULT = new EgressConfig(List.of(), List.of(), List.of());

    public EgressConfig {
        denyOut = denyOut == null ? List.of() : List.copyOf(denyOut);
        dnsUpstreams = dnsUpstreams == null ? List.of() : List.copyOf(dnsUpstreams);
        allowPrivate = allowPrivate == null ? List.of() : List.copyOf(allowPrivate);
        for (String c : denyOut) Cidr.parse(c); // fail at start, not at the first sandbox
        for (String c : allowPrivate) {
            Cidr cidr = Cidr.parse(c);
            if (SpecialRanges.isNever(cidr))
                throw new IllegalArgumentException("--allow-private " + c + ": link-local, loopback and multicast"
                        + " addresses (the cloud metadata service among them) cannot be opened to sandboxes");
        }
    }

    public EgressConfig(List<String> denyOut, List<String> dnsUpstreams) { this(denyOut, dnsUpstreams, List.of()); }

    public EgressConfig withDenyOut(List<String> ranges) { return new EgressConfig(ranges, dnsUpstreams, allowPrivate); }

    public EgressConfig withDnsUpstreams(List<String> upstreams) { return new EgressConfig(denyOut, upstreams, allowPrivate); }

    public EgressConfig withAllowPrivate(List<String> ranges) { return new EgressConfig(denyOut, dnsUpstreams, ranges); }

    /** The opened ranges, parsed. */
    public List<Cidr> opened() { return allowPrivate.stream().map(Cidr::parse).toList(); }
}
