package dev.cove.core.runtime;

/**
 * Resource use of a sandbox, from its cgroups and its writable layer.
 *
 * @param cpuCount   CPUs it may use
 * @param cpuUsedPct CPU use since the previous sample, in percent of {@code cpuCount} CPUs
 * @param memTotal   memory limit in bytes
 * @param memUsed    memory in use in bytes (without page cache)
 * @param memCache   page cache in bytes
 * @param diskUsed   bytes written to its writable layer
 * @param diskTotal  disk size in bytes
 */
public record SandboxUsage(int cpuCount, double cpuUsedPct, long memTotal, long memUsed, long memCache,
                           long diskUsed, long diskTotal) {}
