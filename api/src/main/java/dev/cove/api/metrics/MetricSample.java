package dev.cove.api.metrics;

import dev.cove.core.runtime.SandboxUsage;

import java.time.Instant;

/** One sample of a sandbox's use, taken at {@code at} (whole seconds: E2B's query bounds are seconds). */
public record MetricSample(Instant at, SandboxUsage usage) {
    public long epochSecond() { return at.getEpochSecond(); }
}
