/**
 * The edge: the only listener users reach. Netty on io_uring where the kernel allows it, epoll where it does not, NIO
 * off Linux ({@link dev.cove.edge.connection.Transport}), with TLS from a local CA, HTTP/1.1 and HTTP/2, routing by
 * Host, a streaming reverse proxy to the control plane and into sandboxes, WebSocket passthrough, typed JSON/HTML
 * error answers, limits and metrics.
 *
 * <p>This package owns the assembly: {@link dev.cove.edge.EdgeServer} binds the ports and builds the shared parts,
 * {@code EdgeInitializer} (with {@code AlpnHandler}) lays out each client connection's pipeline, in this order:
 * {@code connection} (limits, idle and header timeouts) → TLS and ALPN → {@code http} codecs → {@code relay}
 * ({@code DownstreamHandler}, which asks {@code routing} and dials through {@code upstream}). The sub-packages never
 * depend on this one.
 *
 * <p>Public API for other modules: {@link dev.cove.edge.EdgeConfig} and {@link dev.cove.edge.EdgeServer}, plus the
 * dialer seams in {@link dev.cove.edge.upstream} and the counters in {@link dev.cove.edge.metrics}. The sub-packages'
 * other public types are public only for the edge's own packages.
 */
package dev.cove.edge;
