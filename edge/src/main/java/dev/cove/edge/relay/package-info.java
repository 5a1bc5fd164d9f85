/**
 * The proxy itself, one class per pipeline role: {@link dev.cove.edge.relay.DownstreamHandler} (client side:
 * pipelining, the exchanges' life cycle, the edge's own answers), {@link dev.cove.edge.relay.RouteDispatch} (carries
 * out the router's decision on a request), {@link dev.cove.edge.relay.UpstreamLeg}
 * (dials and pins the upstream), {@link dev.cove.edge.relay.Http1Relay} and {@link dev.cove.edge.relay.Http2Relay}
 * (the response back, as bytes for HTTP/1.1 clients, as objects for HTTP/2 streams and gRPC over h2c),
 * {@link dev.cove.edge.relay.WebSocketTunnel} (both legs after a 101) and {@link dev.cove.edge.relay.ExchangeLog}
 * (metrics, audit and access log per exchange). Both legs of an exchange run on one event loop: no locks, and nothing
 * here may block. Routing decisions are {@code routing}'s; this package only carries them out.
 */
package dev.cove.edge.relay;
