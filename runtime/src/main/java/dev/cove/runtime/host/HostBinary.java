package dev.cove.runtime.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/**
 * A static helper binary built from runtime/src/main/c into the jar, installed as a host file owned by the host's
 * root. A new version replaces the file by rename, so a running user keeps the binary it started.
 */
public final class HostBinary {
    private HostBinary() {}

    /**
     * Puts the jar's resource {@code name} (next to {@code anchor}) at {@code target} with mode {@code perms} (e.g.
     * {@code --x--x--x}), unless it is there already byte for byte; returns {@code target}.
     */
    public static Path install(Class<?> anchor, String name, Path target, String perms) {
        try (InputStream in = anchor.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is missing from the runtime jar (build with cc)");
            byte[] binary = in.readAllBytes();
            Files.createDirectories(target.getParent());
            Files.setPosixFilePermissions(target.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), binary)) return target;
            Path tmp = target.resolveSibling(name + ".new");
            Files.write(tmp, binary);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(perms));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install " + name + " at " + target, e);
        }
    }
}
