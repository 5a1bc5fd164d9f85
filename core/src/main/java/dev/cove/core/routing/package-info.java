/**
 * The contract between the edge and the control plane: what the edge asks about sandboxes
 * ({@link dev.cove.core.routing.SandboxDirectory}, {@link dev.cove.core.routing.SandboxRoute}), host parsing, who may
 * reach a port ({@link dev.cove.core.routing.PortAccess}, the port access policy and audit), share-link tokens,
 * shared HTTP limits, the headers both sides name, and the signature cluster nodes put on requests they forward to
 * each other ({@link dev.cove.core.routing.NodeForwardSignature}). Data and pure functions only: must not do I/O nor depend on
 * Netty, Helidon or the store.
 */
package dev.cove.core.routing;
