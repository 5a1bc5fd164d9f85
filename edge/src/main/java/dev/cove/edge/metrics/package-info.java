/**
 * The edge's counters ({@link dev.cove.edge.metrics.EdgeMetrics}) and the operator port that serves them in the
 * Prometheus text format. Counters only: updated from event loops without locks, never read on the hot path.
 */
package dev.cove.edge.metrics;
