/**
 * One handler per E2B sandbox endpoint (as E2B's {@code packages/api/internal/handlers}), each with its test
 * beside it, registered by {@link dev.cove.api.sandboxes.SandboxRoutes}, plus the shared request parser and response
 * views. Works through {@link dev.cove.api.lifecycle.SandboxService} (and the
 * {@link dev.cove.api.metrics.MetricsSampler} for metrics); must not touch the store or the runtime directly.
 */
package dev.cove.api.sandboxes;
