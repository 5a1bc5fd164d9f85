package dev.cove.core.runtime;

import java.util.List;
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
 * @param diskSizeMB size of the sandbox's disk in MiB (the most its writable layer may hold); 0 = the node's default
 * @param layers    keys of the node's layers ({@link LayerInfo}) stacked over the template, bottom to top; empty for
 *                  the bare template
 * @param start     the start command and ready check the create waits for; null: the template's own, if it has one
 * @param trustHost the sandbox trusts what the host trusts: the host's CA bundle (read-only) named by the usual
 *                  variables ({@code SSL_CERT_FILE}, {@code NODE_EXTRA_CA_CERTS}, {@code PIP_CERT}, …) and the node's
 *                  proxy variables, for networks that re-sign TLS (an operator's choice, e.g. for template builds)
 * @param agentToken the sandbox's agent access token (its {@code envdAccessToken}), or null when its agent is open:
 *                  handed to the start command only, as {@value #AGENT_TOKEN_VARIABLE}, so that a server the template
 *                  starts (the code interpreter's) can require it of its callers as envd does; never in the sandbox's
 *                  own environment, and left out of {@link #toString()}
 */
public record SandboxSpec(String id, String template, int cpuCount, int memoryMB, int pidsLimit,
                          Map<String, String> envVars, EgressPolicy egress, int diskSizeMB, List<String> layers,
                          StartCommand start, boolean trustHost, String agentToken) {
    /**
     * The most layers one sandbox stacks: mount(2) takes a page of options, and the overlay lists every lower
     * directory there. Far more than a template's file-changing steps usually are; measured creates show no cost per
     * layer below it (bench/template-build.sh), so Cove stacks rather than flattens.
     */
    public static final int MAX_LAYERS = 40;
    /** The start command's variable that carries {@link #agentToken()}. */
    public static final String AGENT_TOKEN_VARIABLE = "COVE_ENVD_ACCESS_TOKEN";

    public SandboxSpec {
        envVars = envVars == null ? Map.of() : Map.copyOf(envVars);
        egress = egress == null ? EgressPolicy.OPEN : egress;
        layers = layers == null ? List.of() : List.copyOf(layers);
    }

    /** Without an agent token. */
    public SandboxSpec(String id, String template, int cpuCount, int memoryMB, int pidsLimit,
                       Map<String, String> envVars, EgressPolicy egress, int diskSizeMB, List<String> layers,
                       StartCommand start, boolean trustHost) {
        this(id, template, cpuCount, memoryMB, pidsLimit, envVars, egress, diskSizeMB, layers, start, trustHost, null);
    }

    /** On the bare template. */
    public SandboxSpec(String id, String template, int cpuCount, int memoryMB, int pidsLimit,
                       Map<String, String> envVars, EgressPolicy egress, int diskSizeMB) {
        this(id, template, cpuCount, memoryMB, pidsLimit, envVars, egress, diskSizeMB, List.of(), null, false);
    }

    /** Layers over the template (the shape of the layers foundation commit; others build on it). */
    public SandboxSpec(String id, String template, int cpuCount, int memoryMB, int pidsLimit,
                       Map<String, String> envVars, EgressPolicy egress, int diskSizeMB, List<String> layers) {
        this(id, template, cpuCount, memoryMB, pidsLimit, envVars, egress, diskSizeMB, layers, null, false);
    }

    /** Layers and a start command, trusting only what the template trusts. */
    public SandboxSpec(String id, String template, int cpuCount, int memoryMB, int pidsLimit,
                       Map<String, String> envVars, EgressPolicy egress, int diskSizeMB, List<String> layers,
                       StartCommand start) {
        this(id, template, cpuCount, memoryMB, pidsLimit, envVars, egress, diskSizeMB, layers, start, false);
    }

    /** The same sandbox with {@code layers} over its template. */
    public SandboxSpec withLayers(List<String> layers) {
        return new SandboxSpec(id, template, cpuCount, memoryMB, pidsLimit, envVars, egress, diskSizeMB, layers, start,
                trustHost, agentToken);
    }

    /** The same sandbox with {@code start} run (and waited for) at its create. */
    public SandboxSpec withStart(StartCommand start) {
        return new SandboxSpec(id, template, cpuCount, memoryMB, pidsLimit, envVars, egress, diskSizeMB, layers, start,
                trustHost, agentToken);
    }

    /** The same sandbox trusting the host's CA bundle and proxy settings (or not). */
    public SandboxSpec withTrustHost(boolean trustHost) {
        return new SandboxSpec(id, template, cpuCount, memoryMB, pidsLimit, envVars, egress, diskSizeMB, layers, start,
                trustHost, agentToken);
    }

    /** The same sandbox whose start command gets {@code agentToken} (null: none). */
    public SandboxSpec withAgentToken(String agentToken) {
        return new SandboxSpec(id, template, cpuCount, memoryMB, pidsLimit, envVars, egress, diskSizeMB, layers, start,
                trustHost, agentToken);
    }

    /**
     * The start command to run, given the template's ({@code templateStart}, may be null): this spec's own or the
     * template's, with {@link #agentToken()} added to its variables when there is one.
     */
    public StartCommand startWith(StartCommand templateStart) {
        StartCommand chosen = start != null ? start : templateStart;
        if (chosen == null || agentToken == null) return chosen;
        Map<String, String> env = new java.util.LinkedHashMap<>(chosen.env());
        env.put(AGENT_TOKEN_VARIABLE, agentToken);
        return chosen.withEnv(env);
    }

    /** Every field but the agent token, which is a secret and this record may be logged. */
    @Override
    public String toString() {
        return "SandboxSpec[id=" + id + ", template=" + template + ", cpuCount=" + cpuCount + ", memoryMB=" + memoryMB
                + ", pidsLimit=" + pidsLimit + ", envVars=" + envVars.keySet() + ", egress=" + egress + ", diskSizeMB="
                + diskSizeMB + ", layers=" + layers + ", start=" + (start == null ? null : start.command())
                + ", trustHost=" + trustHost + ", agentToken=" + (agentToken == null ? "none" : "(set)") + "]";
    }

    /** With the node's default disk size. */
    public SandboxSpec(String id, String template, int cpuCount, int memoryMB, int pidsLimit,
                       Map<String, String> envVars, EgressPolicy egress) {
        this(id, template, cpuCount, memoryMB, pidsLimit, envVars, egress, 0);
    }

    /** Without an egress policy: internet access, nothing listed. */
    public SandboxSpec(String id, String template, int cpuCount, int memoryMB, int pidsLimit,
                       Map<String, String> envVars) {
        this(id, template, cpuCount, memoryMB, pidsLimit, envVars, null, 0);
    }
}
