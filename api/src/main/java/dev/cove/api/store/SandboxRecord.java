package dev.cove.api.store;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One row of the {@code sandboxes} table: a sandbox that is starting, running, or ended (a tombstone).
 *
 * @param id                  sandbox id
 * @param templateId          template it was created from
 * @param alias               template alias reported to clients (Cove: the template name)
 * @param clientId            E2B's client id (constant)
 * @param state               lifecycle state
 * @param metadata            user metadata
 * @param envVars             environment of every process; may hold secrets: never log it (emptied when it ends)
 * @param cpuCount            CPUs
 * @param memoryMB            memory limit in MiB
 * @param diskSizeMB          disk size in MiB
 * @param startedAt           when it started running (creation time while starting)
 * @param endAt               when the reaper ends it
 * @param envdAccessToken     token of the agent API ({@code X-Access-Token}), null when not secured
 * @param trafficAccessToken  token for sandbox ports ({@code e2b-traffic-access-token}), null when traffic is public
 * @param allowInternetAccess E2B's {@code allow_internet_access}, null when not sent
 * @param network             network config, null when not sent
 * @param autoPause           pause instead of kill at endAt
 * @param autoResume          resume a paused sandbox on traffic
 * @param endedAt             when it ended (ended states only)
 * @param endReason           why it ended, e.g. {@code timeout}, {@code killed} (ended states only)
 * @param node                the cluster node whose runtime holds it; null on a single host (SQLite)
 */
public record SandboxRecord(String id, String templateId, String alias, String clientId, SandboxState state,
                            Map<String, String> metadata, Map<String, String> envVars,
                            int cpuCount, int memoryMB, int diskSizeMB, Instant startedAt, Instant endAt,
                            String envdAccessToken, String trafficAccessToken, Boolean allowInternetAccess,
                            NetworkConfig network, boolean autoPause, boolean autoResume,
                            Instant endedAt, String endReason, String node) {

    public SandboxRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(templateId, "templateId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(endAt, "endAt");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        envVars = envVars == null ? Map.of() : Map.copyOf(envVars);
    }

    /** A row of a single host (no node). */
    public SandboxRecord(String id, String templateId, String alias, String clientId, SandboxState state,
                         Map<String, String> metadata, Map<String, String> envVars,
                         int cpuCount, int memoryMB, int diskSizeMB, Instant startedAt, Instant endAt,
                         String envdAccessToken, String trafficAccessToken, Boolean allowInternetAccess,
                         NetworkConfig network, boolean autoPause, boolean autoResume,
                         Instant endedAt, String endReason) {
        this(id, templateId, alias, clientId, state, metadata, envVars, cpuCount, memoryMB, diskSizeMB, startedAt,
                endAt, envdAccessToken, trafficAccessToken, allowInternetAccess, network, autoPause, autoResume,
                endedAt, endReason, null);
    }

    /** The same row, owned by {@code owner}. */
    public SandboxRecord onNode(String owner) {
        return new SandboxRecord(id, templateId, alias, clientId, state, metadata, envVars, cpuCount, memoryMB,
                diskSizeMB, startedAt, endAt, envdAccessToken, trafficAccessToken, allowInternetAccess, network,
                autoPause, autoResume, endedAt, endReason, owner);
    }

    public SandboxRecord withState(SandboxState newState) {
        return new SandboxRecord(id, templateId, alias, clientId, newState, metadata, envVars, cpuCount, memoryMB,
                diskSizeMB, startedAt, endAt, envdAccessToken, trafficAccessToken, allowInternetAccess, network,
                autoPause, autoResume, endedAt, endReason, node);
    }

    public SandboxRecord running(Instant newStartedAt, Instant newEndAt) {
        return new SandboxRecord(id, templateId, alias, clientId, SandboxState.RUNNING, metadata, envVars, cpuCount,
                memoryMB, diskSizeMB, newStartedAt, newEndAt, envdAccessToken, trafficAccessToken,
                allowInternetAccess, network, autoPause, autoResume, null, null, node);
    }

    public SandboxRecord withEndAt(Instant newEndAt) {
        return new SandboxRecord(id, templateId, alias, clientId, state, metadata, envVars, cpuCount, memoryMB,
                diskSizeMB, startedAt, newEndAt, envdAccessToken, trafficAccessToken, allowInternetAccess, network,
                autoPause, autoResume, endedAt, endReason, node);
    }

    /** The tombstone: secrets (env vars, tokens) are dropped when a sandbox ends. */
    public SandboxRecord ended(SandboxState endState, Instant at, String reason) {
        return new SandboxRecord(id, templateId, alias, clientId, endState, metadata, Map.of(), cpuCount, memoryMB,
                diskSizeMB, startedAt, endAt, null, null, allowInternetAccess, network, autoPause, autoResume,
                at, reason, node);
    }

    /** Leaves out env vars and tokens, which may be secrets. */
    @Override
    public String toString() {
        return "SandboxRecord[id=" + id + ", template=" + templateId + ", state=" + state.wire()
                + ", startedAt=" + startedAt + ", endAt=" + endAt
                + (endedAt == null ? "" : ", endedAt=" + endedAt + ", endReason=" + endReason)
                + (node == null ? "" : ", node=" + node) + "]";
    }
}
