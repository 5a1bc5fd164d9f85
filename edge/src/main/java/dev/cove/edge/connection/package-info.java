/**
 * A client connection below HTTP: the I/O transport and its event loops ({@link dev.cove.edge.connection.Transport}),
 * the connection limits, the idle timeout and the header (slowloris) timeout. Handlers here see bytes or connection
 * events, never a routed request; they must not know about routing, sandboxes or upstreams.
 */
package dev.cove.edge.connection;
