package dev.cove.api.cluster;

import dev.cove.api.store.PostgresLocation;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How this node takes part in a cluster.
 *
 * @param store        the shared PostgreSQL catalog
 * @param node         this node's name, unique in the cluster
 * @param url          where the other nodes reach this node's edge (plain HTTP), e.g. {@code http://10.0.0.5:8080}:
 *                     they forward API calls and sandbox traffic for sandboxes this node holds there
 * @param maxSandboxes most live sandboxes placement puts here (0: no maximum)
 * @param lease        how long a renewed lease lasts; renewed every third of it, declared lost once it lapsed
 */
public record ClusterConfig(PostgresLocation store, String node, URI url, int maxSandboxes, Duration lease) {
    private static final Pattern NODE_NAME = Pattern.compile("^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$");
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(6);

    public ClusterConfig {
        Objects.requireNonNull(store, "store");
        if (node == null || !NODE_NAME.matcher(node).matches()) {
            throw new IllegalArgumentException("--node-name takes lower-case letters, digits, '-' and '.' "
                    + "(at most 63, as a host name); got '" + node + "'");
        }
        Objects.requireNonNull(url, "url");
        if (!"http".equals(url.getScheme()) || url.getHost() == null || url.getPort() < 1) {
            throw new IllegalArgumentException("--node-url takes http://HOST:PORT (this node's edge as other nodes reach it)");
        }
        if (maxSandboxes < 0) throw new IllegalArgumentException("--node-max-sandboxes must not be negative");
        if (lease == null) lease = DEFAULT_LEASE;
    }

    /**
     * The edge address of a node URL, as the edges dial it: resolved here (on a cluster thread), never on an event
     * loop.
     */
    static InetSocketAddress edgeAddress(String url) {
        URI u = URI.create(url);
        return new InetSocketAddress(u.getHost().replaceAll("^\\[|\\]$", ""), u.getPort());
    }
}
