package dev.cove.api.lifecycle;

import dev.cove.api.store.NetworkConfig;
import dev.cove.core.routing.PortAccess;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A validated create request (E2B's {@code NewSandbox} / {@code NewSandboxV2} after parsing).
 *
 * @param template            template name
 * @param timeout             time to live from start
 * @param metadata            user metadata
 * @param envVars             environment of every process (may hold secrets)
 * @param secure              true: the agent API requires the returned {@code envdAccessToken}
 * @param allowInternetAccess {@code allow_internet_access}, null when not sent
 * @param network             network config, null when not sent
 * @param cpuCount            CPUs asked for (Cove extension, E2B's field name); null = the operator default
 * @param memoryMB            memory limit in MiB asked for (Cove extension); null = the operator default
 * @param defaultPortAccess   access of ports without a rule (Cove's {@code portAccess.default}); null = the operator's
 * @param portAccess          per-port access (Cove's {@code portAccess.ports})
 * @param lifecycle           what happens at the timeout and to traffic while paused
 * @param diskSizeMB          disk size in MiB asked for (Cove extension, the name of E2B's field in sandbox details);
 *                            null = the operator default ({@code --default-disk-mb}), at most {@code --max-disk-mb}
 */
public record NewSandbox(String template, Duration timeout, Map<String, String> metadata,
                         Map<String, String> envVars, boolean secure, Boolean allowInternetAccess,
                         NetworkConfig network, Integer cpuCount, Integer memoryMB,
                         PortAccess defaultPortAccess, Map<Integer, PortAccess> portAccess, Lifecycle lifecycle,
                         Integer diskSizeMB) {
    /**
     * E2B's lifecycle fields.
     *
     * @param autoPause       pause instead of kill at the timeout
     * @param autoPauseMemory that pause keeps the memory (false: file system only)
     * @param autoResume      a request to a port of the paused sandbox wakes it
     */
    public record Lifecycle(boolean autoPause, boolean autoPauseMemory, boolean autoResume) {
        public static final Lifecycle KILL_AT_TIMEOUT = new Lifecycle(false, true, false);
    }

    public NewSandbox {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(timeout, "timeout");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        envVars = envVars == null ? Map.of() : Map.copyOf(envVars);
        portAccess = portAccess == null ? Map.of() : Map.copyOf(portAccess);
        if (lifecycle == null) lifecycle = Lifecycle.KILL_AT_TIMEOUT;
    }

    /** E2B's {@code network.allowPublicTraffic} as sent (null: not sent). */
    public Boolean allowPublicTraffic() { return network == null ? null : network.allowPublicTraffic(); }

    @Override
    public String toString() {
        return "NewSandbox[template=" + template + ", timeout=" + timeout + ", secure=" + secure + "]";
    }
}
