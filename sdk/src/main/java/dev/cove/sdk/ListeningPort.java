package dev.cove.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.internal.Json;

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
 * @param reachable false when Cove's edge cannot reach it: bound to an address other than loopback, the sandbox's
 *                  own addresses or a wildcard (expose then fails with {@code port_unreachable})
 */
public record ListeningPort(int port, String address, String family, Integer pid, String command, boolean reachable) {

    /** A listener known by port and address only (family from the address, reachable). */
    public ListeningPort(int port, String address) {
        this(port, address, address != null && address.contains(":") ? "ipv6" : "ipv4", null, null, true);
    }

    static ListeningPort of(JsonNode n) {
        String address = Json.text(n, "address");
        String family = Json.text(n, "family");
        if (family == null) family = address != null && address.contains(":") ? "ipv6" : "ipv4";
        JsonNode reachable = n.get("reachable");
        return new ListeningPort(Json.integer(n, "port", 0), address, family,
                Json.optionalInteger(n, "pid"),
                Json.text(n, "command"), reachable == null || reachable.isNull() || reachable.asBoolean(true));
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
