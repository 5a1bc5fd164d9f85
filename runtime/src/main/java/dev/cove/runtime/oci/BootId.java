package dev.cove.runtime.oci;

import dev.cove.runtime.host.Cmd;
import dev.cove.runtime.host.HostBinary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Each start of a sandbox's container is a boot: the sandbox sees a new {@code /proc/sys/kernel/random/boot_id}
 * (what E2B's VMs show after a file-system-only pause and resume, and what programs read to tell a reboot), not
 * the host's, which never changes. The host binary {@code cove-bootid} (runtime/src/main/c) mounts a read-only
 * one-line file over that path in the mount namespace of the container's init; OCI runtimes refuse the mount in a
 * spec. A failure is logged, not fatal: the sandbox then shows the host's boot id, as before.
 */
public final class BootId {
    private static final Logger LOG = LoggerFactory.getLogger(BootId.class);
    private static final String RESOURCE = "cove-bootid";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Path binary;

    private BootId(Path binary) { this.binary = binary; }

    /** Installs the helper at {@code <dataDir>/agent/cove-bootid} (root only: mode 0500). */
    public static BootId install(Path dataDir) {
        return new BootId(HostBinary.install(BootId.class, RESOURCE, dataDir.resolve("agent").resolve(RESOURCE),
                "r-x------"));
    }

    /** Gives the container whose init is {@code initPid} a fresh boot id; returns it, or null when that failed. */
    public String renew(String sandboxId, long initPid) {
        String id = UUID.randomUUID().toString();
        try {
            Cmd.Result r = Cmd.run(List.of(binary.toString(), Long.toString(initPid), id), null, TIMEOUT);
            if (r.ok()) return id;
            LOG.warn("sandbox {}: no boot id of its own (it sees the host's): {}", sandboxId, r.message());
        } catch (IOException e) {
            LOG.warn("sandbox {}: no boot id of its own (it sees the host's): {}", sandboxId, e.getMessage());
        }
        return null;
    }
}
