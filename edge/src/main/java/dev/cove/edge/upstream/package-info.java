/**
 * Opening upstream connections: the dialer seams ({@link dev.cove.edge.upstream.UpstreamDialer},
 * {@link dev.cove.edge.upstream.SandboxPortDialer}), the control plane's socket dialer, the dialer that connects
 * inside a sandbox's network namespace ({@link dev.cove.edge.upstream.NetnsDialer}), and the h2c connections gRPC
 * calls share. Every channel made here registers with the client's event loop. Nothing here speaks HTTP beyond the
 * h2c connection preface, nor knows about exchanges.
 */
package dev.cove.edge.upstream;
