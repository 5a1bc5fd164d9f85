package dev.cove.core.runtime;

import java.util.Map;

/**
 * What the control plane asks the runtime to start.
 *
 * @param id        sandbox id ({@link dev.cove.core.SandboxId}); also the hostname inside the sandbox
 * @param template  template name, e.g. {@code base}
 * @param cpuCount  CPUs the sandbox may use (cgroup cpu quota = cpuCount * period)
 * @param memoryMB  memory limit in MiB (OOM kill above it)
 * @param pidsLimit max number of processes/threads in the sandbox
 * @param envVars   environment for every process started in the sandbox
 * @param egress    what the sandbox may reach; null = {@link EgressPolicy#OPEN}
 */
public record SandboxSpec(String id, String template, int cpuCount, int memoryMB, int pidsLimit,
                          Map<String, String> envVars, EgressPolicy egress) {
    public SandboxSpec {
        envVars = envVars == null ? Map.of() : Map.copyOf(envVars);
        egress = egress == null ? EgressPolicy.OPEN : egress;
    }

    /** Without an egress policy: internet access, nothing listed. */
    public SandboxSpec(String id, String template, int cpuCount, int memoryMB, int pidsLimit,
                       Map<String, String> envVars) {
        this(id, template, cpuCount, memoryMB, pidsLimit, envVars, null);
    }
}
