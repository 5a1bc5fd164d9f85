package dev.cove.api.store;

import java.util.List;

/**
 * The accepted part of E2B's {@code SandboxNetworkConfig}, stored as given (enforcement comes with the egress and
 * edge work). Null members were not sent.
 *
 * @param allowPublicTraffic false: requests to sandbox ports other than 49983 need the traffic access token
 * @param allowOut           CIDRs, IPs, domains or {@code *.domain} names allowed out (wins over denyOut)
 * @param denyOut            CIDRs or IPs denied out
 * @param maskRequestHost    Host header sent to sandbox ports instead of the public one; may contain {@code ${PORT}}
 */
public record NetworkConfig(Boolean allowPublicTraffic, List<String> allowOut, List<String> denyOut,
                            String maskRequestHost) {
    public NetworkConfig {
        allowOut = allowOut == null ? null : List.copyOf(allowOut);
        denyOut = denyOut == null ? null : List.copyOf(denyOut);
    }

    /** Nothing sent. */
    public static final NetworkConfig NONE = new NetworkConfig(null, null, null, null);

    /** E2B's default is public traffic allowed. */
    public boolean publicTrafficAllowed() { return allowPublicTraffic == null || allowPublicTraffic; }
}
