package dev.cove.runtime.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

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
        Path target = path(dataDir);
        try (InputStream in = SpawnerBinary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("cove-spawner is missing from the runtime jar (build with cc)");
            byte[] binary = in.readAllBytes();
            Files.createDirectories(target.getParent());
            Files.setPosixFilePermissions(target.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), binary)) return target;
            Path tmp = target.resolveSibling(RESOURCE + ".new");
            Files.write(tmp, binary);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("--x--x--x"));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the sandbox spawner at " + target, e);
        }
    }
}
