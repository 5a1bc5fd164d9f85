package dev.cove.sdk.ports;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.internal.Json;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * A TCP port something listens on inside a sandbox. {@code address} is where it is bound: {@code 0.0.0.0} or
 * {@code ::} (all addresses), or a specific one such as {@code 127.0.0.1}.
 *
 * @param port      the port
 * @param address   the local address it is bound to
 * @param family    {@code ipv4} or {@code ipv6}
 * @param pid       the listening process's pid inside the sandbox, or null when the server could not tell
 * @param command   that process's command line, or null
 * @param reachable whether Cove's edge surely reaches it: true for wildcard and loopback addresses (where the edge
 *                  always connects); false for any other address, where it may not (a listener bound only there
 *                  makes expose fail with {@code port_unreachable}; bind to {@code 0.0.0.0}, {@code ::} or
 *                  loopback). Judged by the SDK from the address unless the server reports it.
 */
public record ListeningPort(int port, String address, String family, Integer pid, String command, boolean reachable) {

    /** IPv6 addresses are kept in their short form ({@code ::}), so that equal sockets compare equal. */
    public ListeningPort {
        address = canonical(address);
    }

    /** A listener known by port and address only (family from the address, reachable). */
    public ListeningPort(int port, String address) {
        this(port, address, address != null && address.contains(":") ? "ipv6" : "ipv4", null, null, true);
    }

    static ListeningPort of(JsonNode n) {
        String address = canonical(Json.text(n, "address"));  // also for the reachability guess below
        String family = Json.text(n, "family");
        if (family == null) family = address != null && address.contains(":") ? "ipv6" : "ipv4";
        JsonNode reachable = n.get("reachable");
        return new ListeningPort(Json.integer(n, "port", 0), address, family,
                Json.optionalInteger(n, "pid"),
                Json.text(n, "command"), reachable == null || reachable.isNull() ? wildcardOrLoopback(address)
                        : reachable.asBoolean(true));
    }

    /**
     * IPv6 addresses in their usual short form (RFC 5952: {@code ::}, {@code ::1}, {@code fd00::5}), whichever form
     * the server wrote; IPv4 and anything that is no literal address stay as they are.
     */
    static String canonical(String address) {
        if (address == null || !address.contains(":") || !address.matches("[0-9a-fA-F:.]+")) return address;
        try {
            InetAddress a = InetAddress.getByName(address);
            if (!(a instanceof Inet6Address)) return a.getHostAddress(); // ::ffff:a.b.c.d
            byte[] b = a.getAddress();
            int[] g = new int[8];
            for (int i = 0; i < 8; i++) g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
            int bestStart = -1, bestLen = 0;
            for (int i = 0; i < 8; ) {
                if (g[i] != 0) { i++; continue; }
                int j = i;
                while (j < 8 && g[j] == 0) j++;
                if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
                i = j;
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                if (i == bestStart) {
                    sb.append("::");
                    i += bestLen - 1;
                    continue;
                }
                if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
                sb.append(Integer.toHexString(g[i]));
            }
            return sb.toString();
        } catch (UnknownHostException e) {
            return address;
        }
    }

    /** Where the edge always connects: a wildcard or loopback address (literal addresses only; no lookups). */
    static boolean wildcardOrLoopback(String address) {
        if (address == null || !address.matches("[0-9a-fA-F:.%]+")) return false;
        try {
            InetAddress a = InetAddress.getByName(address);
            if (a.isAnyLocalAddress() || a.isLoopbackAddress()) return true;
            // IPv4-mapped (::ffff:127.0.0.1) is returned as an Inet4Address already; ::ffff:0.0.0.0 too
            return false;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * A listener is its socket: two values are equal when port and address are, whatever the server knew about the
     * process behind it (so {@code listening().contains(new ListeningPort(8000, "0.0.0.0"))} works).
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof ListeningPort && ((ListeningPort) o).port == port
                && Objects.equals(((ListeningPort) o).address, address);
    }

    @Override
    public int hashCode() { return 31 * port + Objects.hashCode(address); }
}
