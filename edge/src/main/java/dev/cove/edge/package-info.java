/**
 * The edge: the only listener users reach. Netty (epoll when available) with TLS from a local CA, HTTP/1.1 and
 * HTTP/2, routing by Host ({@code api.<domain>}, {@code <port>-<id>.<domain>}, E2B's routing headers), a streaming
 * reverse proxy to the control plane and into sandboxes ({@link dev.cove.edge.NetnsDialer}: sockets made inside the
 * sandbox's network namespace), WebSocket passthrough, typed JSON/HTML error answers, limits and metrics.
 *
 * <p>Public API: {@link dev.cove.edge.EdgeConfig}, {@link dev.cove.edge.EdgeServer}, {@link dev.cove.edge.TlsMaterial},
 * {@link dev.cove.edge.EdgeMetrics}, and the dialer seams {@link dev.cove.edge.UpstreamDialer} /
 * {@link dev.cove.edge.SandboxPortDialer} with {@link dev.cove.edge.NetnsDialer}.
 * Everything else is package-private: one class per pipeline role.
 */
package dev.cove.edge;
