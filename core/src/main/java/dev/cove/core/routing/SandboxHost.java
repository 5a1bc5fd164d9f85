package dev.cove.core.routing;

import dev.cove.core.CoveException;
import dev.cove.core.SandboxId;

import java.net.InetAddress;
import java.util.Locale;

/**
 * A port of a sandbox, as a request names it: {@code <port>-<sandboxId>[-<clientId>...].<domain>} in the Host
 * header, or the {@code E2b-Sandbox-Id} and {@code E2b-Sandbox-Port} headers on a shared host. The rules are
 * E2B's proxy rules (infra {@code shared/pkg/proxy/host.go}), so the official SDKs route the same way here;
 * the 400 messages are E2B's too.
 *
 * <p>Three deliberate differences: the host name is compared case-insensitively (DNS names are, and browsers
 * lowercase them anyway); header routing accepts any IP literal, not only loopback ones, so a self-hosted
 * server reached by its LAN address with {@code E2B_SANDBOX_URL=http://<ip>:<port>} routes too; and the bare
 * domain is a shared host as well, so {@code E2B_SANDBOX_URL=https://<domain>} (the domain {@code cove up} prints)
 * works like {@code https://sandbox.<domain>}. Without routing headers the bare domain stays the control plane's.
 */
public record SandboxHost(String sandboxId, int port) implements RequestTarget {
    public static final String SANDBOX_ID_HEADER = "E2b-Sandbox-Id";
    public static final String SANDBOX_PORT_HEADER = "E2b-Sandbox-Port";
    /** The sandbox agent API (E2B's envd). */
    public static final int AGENT_PORT = 49983;

    private static final String SHARED_HOST_PREFIX = "sandbox.";

    public SandboxHost {
        if (!SandboxId.isValid(sandboxId)) throw invalidSandboxId();
        if (port < 1 || port > 65535) throw invalidPort();
    }

    /**
     * Decides where a request goes.
     *
     * @param host       the Host header (or HTTP/2 {@code :authority}), may carry {@code :port}; null if absent
     * @param idHeader   value of {@code E2b-Sandbox-Id}, null if absent
     * @param portHeader value of {@code E2b-Sandbox-Port}, null if absent
     * @param domain     the platform's domain, e.g. {@code cove.localhost}
     * @throws CoveException 400 with E2B's message when the request names a sandbox badly
     */
    public static RequestTarget route(String host, String idHeader, String portHeader, String domain) {
        String hostname = hostname(host);
        boolean local = isLocal(hostname);
        boolean routingHeaders = present(idHeader) || present(portHeader);
        String normalizedDomain = normalize(domain);
        boolean bareDomain = hostname.equals(normalizedDomain);
        if (routingHeaders && (local || bareDomain || isSharedHost(hostname))) return fromHeaders(idHeader, portHeader);
        if (local || bareDomain || isApiHost(hostname, normalizedDomain)) {
            return RequestTarget.CONTROL_PLANE;
        }
        return fromHostname(hostname);
    }

    /** {@code api.<domain>}, without building that string for every request. */
    private static boolean isApiHost(String hostname, String domain) {
        return hostname.length() == domain.length() + 4 && hostname.startsWith("api.") && hostname.endsWith(domain);
    }

    /** E2B's header routing: both headers are required once either is present. */
    static SandboxHost fromHeaders(String idHeader, String portHeader) {
        if (!present(idHeader) || !present(portHeader)) {
            throw new CoveException(400, "missing_header", "missing header");
        }
        return new SandboxHost(idHeader, parsePort(portHeader));
    }

    /** {@code <port>-<id>[-<clientId>...].<anything>}: only the left-most label matters, as in E2B. */
    static SandboxHost fromHostname(String hostname) {
        int dot = hostname.indexOf('.');
        if (dot < 0) throw invalidHost();
        String[] parts = hostname.substring(0, dot).split("-", -1);
        if (parts.length < 2) throw invalidHost();
        return new SandboxHost(parts[1], parsePort(parts[0]));
    }

    /** The host name of a Host header value: no {@code :port}, no IPv6 brackets, lower case, no trailing dot. */
    public static String hostname(String host) {
        if (host == null) return "";
        String h = host.trim();
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close < 0 ? h.substring(1) : h.substring(1, close);
        } else {
            int colon = h.indexOf(':');
            // Exactly one colon is host:port; more than one is an unbracketed IPv6 literal, kept whole.
            if (colon >= 0 && colon == h.lastIndexOf(':')) h = h.substring(0, colon);
        }
        return normalize(h);
    }

    /** {@code localhost} or an IP literal: hosts that name a machine, not a sandbox. */
    public static boolean isLocal(String hostname) {
        return hostname.equals("localhost") || isIpLiteral(hostname);
    }

    private static boolean isSharedHost(String hostname) {
        return hostname.startsWith(SHARED_HOST_PREFIX) && hostname.length() > SHARED_HOST_PREFIX.length();
    }

    private static boolean isIpLiteral(String hostname) {
        if (hostname.isEmpty()) return false;
        // Cheap shape check first: this runs for every request, and a host name would cost an exception below.
        boolean ipv6 = hostname.indexOf(':') >= 0;
        for (int i = 0; i < hostname.length() && !ipv6; i++) {
            char c = hostname.charAt(i);
            if ((c < '0' || c > '9') && c != '.') return false;
        }
        try {
            InetAddress.ofLiteral(hostname); // parses only, never resolves
            return true;
        } catch (IllegalArgumentException notALiteral) {
            return false;
        }
    }

    private static int parsePort(String raw) {
        if (raw.isEmpty() || raw.length() > 5) throw invalidPort();
        for (int i = 0; i < raw.length(); i++) {
            if (raw.charAt(i) < '0' || raw.charAt(i) > '9') throw invalidPort();
        }
        return Integer.parseInt(raw); // range checked by the constructor
    }

    private static String normalize(String name) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    private static boolean present(String header) { return header != null && !header.isEmpty(); }

    private static CoveException invalidHost() { return new CoveException(400, "invalid_host", "Invalid host"); }

    private static CoveException invalidPort() {
        return new CoveException(400, "invalid_sandbox_port", "Invalid sandbox port");
    }

    private static CoveException invalidSandboxId() {
        return new CoveException(400, "invalid_sandbox_id", "Invalid sandbox ID");
    }
}
