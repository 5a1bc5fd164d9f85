package dev.cove.api;

import dev.cove.core.routing.PortAccess;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the control plane.
 *
 * @param dataDir                where {@code cove.db} and the generated {@code api-key} live
 * @param domain                 returned as {@code domain} in Sandbox responses; the E2B SDKs build sandbox URLs
 *                               ({@code <port>-<id>.<domain>}) from it
 * @param apiKey                 the API key to accept, or null: then the key in {@code <dataDir>/api-key} is used,
 *                               generated on first start
 * @param cpuCount               CPUs of every sandbox (E2B clients cannot choose; templates would)
 * @param memoryMB               memory limit of every sandbox in MiB
 * @param diskSizeMB             disk size of a sandbox whose create request names none, in MiB: the size of its own
 *                               file system (the runtime enforces it; keep it equal to the runtime's default)
 * @param pidsLimit              max processes/threads in one sandbox
 * @param maxSandboxLength       longest life of a sandbox, measured from its start (E2B's team "MaxLengthHours")
 * @param tombstoneRetentionDays how long an ended sandbox is remembered (so its URLs can say what happened)
 * @param defaultPortAccess      access of sandbox ports nobody configured ({@code private}: a token or share link is
 *                               needed; {@code public}: E2B's behaviour, the drop-in setting for E2B clients)
 * @param hostTrust              which sandboxes trust the host's CA bundle and proxy settings (for networks that
 *                               re-sign TLS): none, template build sandboxes, or all sandboxes
 */
public record ApiConfig(Path dataDir, String domain, String apiKey, int cpuCount, int memoryMB, int diskSizeMB,
                        int pidsLimit, Duration maxSandboxLength, int tombstoneRetentionDays,
                        PortAccess defaultPortAccess, HostTrust hostTrust) {

    /** {@code --sandbox-host-trust}: which sandboxes get the host's CA bundle and proxy variables. */
    public enum HostTrust {
        NONE, BUILDS, ALL;

        public static HostTrust parse(String text) {
            for (HostTrust t : values()) if (t.name().equalsIgnoreCase(text)) return t;
            throw new IllegalArgumentException("--sandbox-host-trust must be none, builds or all, got '" + text + "'");
        }

        public boolean builds() { return this != NONE; }

        public boolean all() { return this == ALL; }
    }

    /**
     * The envd version Cove reports. The SDKs gate features on it (secure access needs 0.2.0, default user 0.4.0,
     * octet-stream upload 0.5.7, ...); Cove's agent API targets E2B's current envd, so it reports that version.
     */
    public static final String ENVD_VERSION = "0.6.13";

    /** E2B returns this constant client id for every sandbox; SDKs still read the field. */
    public static final String CLIENT_ID = "6532622b";

    /** Environment variable a server reads the API key from. */
    public static final String API_KEY_ENV = "COVE_API_KEY";

    public static final String DEFAULT_DOMAIN = "cove.localhost";

    public ApiConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        if (domain == null || domain.isBlank()) throw new IllegalArgumentException("domain must not be blank");
        if (apiKey != null && apiKey.isBlank()) apiKey = null;
        if (cpuCount < 1) throw new IllegalArgumentException("cpuCount must be at least 1, got " + cpuCount);
        if (memoryMB < 64) throw new IllegalArgumentException("memoryMB must be at least 64, got " + memoryMB);
        if (diskSizeMB < 1) throw new IllegalArgumentException("diskSizeMB must be at least 1, got " + diskSizeMB);
        if (pidsLimit < 16) throw new IllegalArgumentException("pidsLimit must be at least 16, got " + pidsLimit);
        Objects.requireNonNull(maxSandboxLength, "maxSandboxLength");
        if (maxSandboxLength.toSeconds() < 1) throw new IllegalArgumentException("maxSandboxLength must be at least 1 s");
        if (tombstoneRetentionDays < 0) throw new IllegalArgumentException("tombstoneRetentionDays must not be negative");
        if (defaultPortAccess == null) defaultPortAccess = PortAccess.PRIVATE;
        if (defaultPortAccess == PortAccess.LINK) defaultPortAccess = PortAccess.PRIVATE; // a link is per port
        if (hostTrust == null) hostTrust = HostTrust.NONE;
    }

    public static Builder builder(Path dataDir) { return new Builder(dataDir); }

    public Builder toBuilder() {
        return new Builder(dataDir).domain(domain).apiKey(apiKey).cpuCount(cpuCount).memoryMB(memoryMB)
                .diskSizeMB(diskSizeMB).pidsLimit(pidsLimit).maxSandboxLength(maxSandboxLength)
                .tombstoneRetentionDays(tombstoneRetentionDays).defaultPortAccess(defaultPortAccess).hostTrust(hostTrust);
    }

    public static final class Builder {
        private final Path dataDir;
        private String domain = DEFAULT_DOMAIN;
        private String apiKey;
        private int cpuCount = 2;
        private int memoryMB = 512;
        private int diskSizeMB = 10_240;
        private int pidsLimit = 2_048;
        private Duration maxSandboxLength = Duration.ofHours(24);
        private int tombstoneRetentionDays = 7;
        private PortAccess defaultPortAccess = PortAccess.PRIVATE;
        private HostTrust hostTrust = HostTrust.NONE;

        private Builder(Path dataDir) { this.dataDir = dataDir; }

        public Builder domain(String domain) { this.domain = domain; return this; }

        public Builder apiKey(String apiKey) { this.apiKey = apiKey; return this; }

        /** Takes the key from {@value #API_KEY_ENV} when that is set (what a server does at start). */
        public Builder apiKeyFromEnvironment() {
            String fromEnv = System.getenv(API_KEY_ENV);
            if (fromEnv != null && !fromEnv.isBlank()) this.apiKey = fromEnv.strip();
            return this;
        }

        public Builder cpuCount(int cpuCount) { this.cpuCount = cpuCount; return this; }

        public Builder memoryMB(int memoryMB) { this.memoryMB = memoryMB; return this; }

        public Builder diskSizeMB(int diskSizeMB) { this.diskSizeMB = diskSizeMB; return this; }

        public Builder pidsLimit(int pidsLimit) { this.pidsLimit = pidsLimit; return this; }

        public Builder maxSandboxLength(Duration maxSandboxLength) { this.maxSandboxLength = maxSandboxLength; return this; }

        public Builder tombstoneRetentionDays(int days) { this.tombstoneRetentionDays = days; return this; }

        /** {@code PRIVATE} (the shipped default) or {@code PUBLIC} (E2B's behaviour). */
        public Builder defaultPortAccess(PortAccess access) { this.defaultPortAccess = access; return this; }

        public Builder hostTrust(HostTrust hostTrust) { this.hostTrust = hostTrust; return this; }

        public ApiConfig build() {
            return new ApiConfig(dataDir, domain, apiKey, cpuCount, memoryMB, diskSizeMB, pidsLimit,
                    maxSandboxLength, tombstoneRetentionDays, defaultPortAccess, hostTrust);
        }
    }

    /** Never prints the API key. */
    @Override
    public String toString() {
        return "ApiConfig[dataDir=" + dataDir + ", domain=" + domain + ", apiKey=" + (apiKey == null ? "generated" : "set")
                + ", cpuCount=" + cpuCount + ", memoryMB=" + memoryMB + ", diskSizeMB=" + diskSizeMB
                + ", pidsLimit=" + pidsLimit + ", maxSandboxLength=" + maxSandboxLength
                + ", tombstoneRetentionDays=" + tombstoneRetentionDays + ", defaultPortAccess=" + defaultPortAccess.wire()
                + ", hostTrust=" + hostTrust + "]";
    }
}
