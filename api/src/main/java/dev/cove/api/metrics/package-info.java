/**
 * Sandbox metrics over time (E2B's {@code GET /sandboxes/{id}/metrics}): {@link dev.cove.api.metrics.MetricsSampler}
 * samples every running sandbox's use through {@link dev.cove.core.runtime.SandboxRuntime#usage} at a fixed interval
 * and keeps each one's {@link dev.cove.api.metrics.MetricSeries} in memory, bounded, for the life of the sandbox.
 * Owns no HTTP (the handlers live in {@code api.sandboxes}) and no store.
 */
package dev.cove.api.metrics;
