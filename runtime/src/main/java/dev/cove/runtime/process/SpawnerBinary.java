package dev.cove.runtime.process;

import dev.cove.runtime.host.HostBinary;

import java.nio.file.Path;

/**
 * The host copy of the sealed agent ({@code cove-spawner}, built from runtime/src/main/c into the jar) that every
 * sandbox's spec bind-mounts read-only: {@code <data-dir>/agent/cove-spawner}, owned by the host's root, mode 0111
 * (executable, not readable: in a user namespace the kernel then makes the spawner non-dumpable from execve on, and
 * nothing in a sandbox can copy or inspect it). A new version replaces the file by rename: running sandboxes keep the
 * binary they were started with.
 */
public final class SpawnerBinary {
    private static final String RESOURCE = "cove-spawner";

    private SpawnerBinary() {}

    public static Path path(Path dataDir) { return dataDir.resolve("agent").resolve(RESOURCE); }

    /** Puts the jar's binary at {@link #path} (unless it is there already, byte for byte) and returns that path. */
    public static Path install(Path dataDir) {
        return HostBinary.install(SpawnerBinary.class, RESOURCE, path(dataDir), "--x--x--x");
    }
}
