package dev.cove.core.runtime;

import java.util.List;

/**
 * What a sandbox may reach (E2B's {@code allow_internet_access} and {@code network.allowOut/denyOut}). The node
 * always blocks the host, other sandboxes, link-local/metadata and operator-listed ranges on top of this.
 *
 * <p>Order: an {@code allowOut} entry wins over {@code denyOut} (as E2B documents); {@code internet = false} is
 * {@code denyOut: ["0.0.0.0/0", "::/0"]}. A {@code denyOut} of {@code 0.0.0.0/0} also denies {@code ::/0} (the
 * caller meant "everything"). Domain entries ({@code example.com}, {@code *.example.com}: subdomains only) decide
 * by HTTP {@code Host} on port 80 and TLS SNI on port 443; every other port goes by address only.
 *
 * @param internet false: nothing is reachable except what {@code allowOut} lists
 * @param allowOut IPs, CIDRs (v4 or v6), domains and {@code *.domain}
 * @param denyOut  IPs and CIDRs
 */
public record EgressPolicy(boolean internet, List<String> allowOut, List<String> denyOut) {
    public static final EgressPolicy OPEN = new EgressPolicy(true, List.of(), List.of());

    public EgressPolicy {
        allowOut = allowOut == null ? List.of() : List.copyOf(allowOut);
        denyOut = denyOut == null ? List.of() : List.copyOf(denyOut);
    }

    /** From E2B's fields as sent (null = not sent: internet on, nothing listed). */
    public static EgressPolicy of(Boolean allowInternetAccess, List<String> allowOut, List<String> denyOut) {
        return new EgressPolicy(allowInternetAccess == null || allowInternetAccess, allowOut, denyOut);
    }
}
