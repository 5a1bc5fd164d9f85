package dev.cove.runtime.fs;

import dev.cove.runtime.host.Cmd;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;

/** Recursive delete that never follows symlinks and refuses to descend into mounted file systems. */
public final class FileTrees {
    private FileTrees() {}

    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        List<Path> mounted = MountTable.mountsUnder(dir);
        if (!mounted.isEmpty())
            throw new IOException("refusing to delete " + dir + ": still mounted below it: " + mounted);
        try {
            walkDelete(dir);
        } catch (IOException e) {
            // e.g. a tree deeper than PATH_MAX that a sandbox built on purpose: rm walks it with openat
            Cmd.Result r = Cmd.run(List.of("rm", "-rf", "--one-file-system", "--", dir.toString()), null,
                    Duration.ofMinutes(5));
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS))
                throw new IOException("cannot delete " + dir + ": " + e.getMessage() + "; rm: " + r.message(), e);
        }
    }

    private static void walkDelete(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) throw exc;
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
