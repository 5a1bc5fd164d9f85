/**
 * Cluster mode ({@code cove server --store postgresql://...}): membership leases, the leader's duties under an
 * advisory lock (declaring nodes lost, trimming the change feed), following the change feed into the route table,
 * and forwarding API calls about a sandbox to the node that holds it (placement of creates included). Rows are the
 * store's ({@link dev.cove.api.store.ClusterStore}); the edge only reads the route table these keep current.
 */
package dev.cove.api.cluster;
