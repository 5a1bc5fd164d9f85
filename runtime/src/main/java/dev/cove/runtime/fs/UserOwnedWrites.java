package dev.cove.runtime.fs;

import dev.cove.core.CoveException;
import dev.cove.core.linux.Native;
import dev.cove.core.runtime.FileEntry;
import dev.cove.runtime.host.Sys;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

import static dev.cove.runtime.fs.FileErrors.invalid;
import static dev.cove.runtime.fs.RootedPaths.clean;
import static dev.cove.runtime.fs.RootedPaths.nameOf;
import static dev.cove.runtime.fs.RootedPaths.parentOf;
import static dev.cove.runtime.fs.RootedPaths.resolve;

/**
 * Creating and writing with the user's ownership. E2B's envd (a root process) creates for any user as root and then
 * gives what it made to that user: the new file of a write, the missing directories of a write, a make-dir and a
 * move's destination ({@link #mkdirs}), so {@code user} may make {@code /opt/app} or {@code /workspace} as on E2B.
 * Those run with root's powers but the user's ids ({@link RootCalls#creatingFor}), so what they make is the user's
 * as it is made: there is no change of owner afterwards that a directory swapped in meanwhile could redirect.
 * Opening an existing file to overwrite it stays the user's own act (envd would also take it from its owner), so
 * that what exists keeps the permissions the sandbox gave it.
 */
final class UserOwnedWrites {
    private static final int COPY_CHUNK = 256 * 1024;

    private final RootCalls calls;
    private final FileEntries entries;

    UserOwnedWrites(RootCalls calls, FileEntries entries) {
        this.calls = calls;
        this.entries = entries;
    }

    FileEntry makeDir(String user, String path) {
        return calls.creatingFor(user, path, (root, clean) -> {
            if (!clean.equals("/")) {
                try {
                    Sys.Stat st = RootedPaths.statNoFollowFinal(root, clean);
                    if (st.isDir()) throw new CoveException(409, "already_exists", "directory already exists: " + clean);
                    throw invalid("path already exists but is not a directory: " + clean);
                } catch (Native.Errno e) {
                    if (e.errno != Sys.ENOENT) throw e;
                }
            } else {
                throw new CoveException(409, "already_exists", "directory already exists: /");
            }
            mkdirs(root, clean);
            return entries.entryOf(root, clean);
        });
    }

    /**
     * mkdir -p, each level resolved from the root; run through {@link RootCalls#creatingFor}, each directory it
     * makes belongs to the requesting user, as after envd's EnsureDirs (what was there keeps its owner).
     */
    static void mkdirs(int root, String clean) throws Native.Errno {
        if (clean.equals("/")) return;
        String[] parts = clean.substring(1).split("/");
        StringBuilder prefix = new StringBuilder();
        for (String part : parts) {
            String parent = prefix.isEmpty() ? "/" : prefix.toString();
            prefix.append('/').append(part);
            String current = prefix.toString();
            try {
                Native.close(resolve(root, current, Sys.O_PATH | Sys.O_DIRECTORY));
                continue;
            } catch (Native.Errno e) {
                if (e.errno != Sys.ENOENT) throw e;
            }
            int pfd = resolve(root, parent, Sys.O_PATH | Sys.O_DIRECTORY);
            try {
                Sys.mkdirat(pfd, part, 0755);
            } catch (Native.Errno e) {
                if (e.errno != Sys.EEXIST) throw e;
            } finally {
                Native.close(pfd);
            }
            Native.close(resolve(root, current, Sys.O_PATH | Sys.O_DIRECTORY)); // ENOTDIR if something else won the race
        }
    }

    FileEntry write(String user, String path, InputStream data, Map<String, String> metadata) throws IOException {
        String clean = clean(path);
        if (clean.equals("/")) throw invalid("path '/' is a directory");
        int fd = -1;
        for (int attempt = 0; attempt < 5 && fd < 0; attempt++) {
            // a new file (and its missing parents) is made as root and given to the user, as envd does ...
            fd = calls.creatingFor(user, path, (root, c) -> {
                try {
                    mkdirs(root, parentOf(c));
                } catch (Native.Errno e) {
                    if (e.errno == Sys.ENOENT || e.errno == Sys.EEXIST || e.errno == Sys.ENOTDIR)
                        throw invalid("cannot create the parent directories of '" + path + "': " + Native.strerror(e.errno));
                    throw e;
                }
                int pfd = resolve(root, parentOf(c), Sys.O_PATH | Sys.O_DIRECTORY);
                try {
                    return RootedPaths.openBeneath(pfd, nameOf(c), Sys.O_WRONLY | Sys.O_CREAT | Sys.O_EXCL | Sys.O_NOFOLLOW,
                            0644);
                } catch (Native.Errno e) {
                    if (e.errno != Sys.EEXIST) throw e;
                    return -1; // there already
                } finally {
                    Native.close(pfd);
                }
            });
            if (fd >= 0) break;
            // ... one that exists is overwritten as the user, whose permissions decide (envd would take it over)
            fd = calls.as(user, path, (root, c) -> {
                try {
                    return RootedPaths.openRegular(root, c, Sys.O_WRONLY | Sys.O_TRUNC);
                } catch (Native.Errno e) {
                    if (e.errno != Sys.ENOENT) throw e;
                    return -1; // removed meanwhile, or a dangling symlink: try making it again
                }
            });
        }
        if (fd < 0) throw invalid("path '" + path + "' keeps changing or is a dangling symbolic link");
        int written = fd;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(COPY_CHUNK);
            byte[] heap = new byte[COPY_CHUNK];
            int n;
            while ((n = data.readNBytes(heap, 0, COPY_CHUNK)) > 0) {
                MemorySegment.copy(heap, 0, buf, ValueLayout.JAVA_BYTE, 0, n);
                Sys.writeFully(written, buf, n);
            }
            // on the descriptor written, opened with the user's right to write it (which user.* attributes need)
            FileMetadata.replace(written, metadata);
            // of the file written, not of the path: the user may not be able to look it up (a file in /root)
            return calls.as(user, path, (root, c) -> entries.entry(written, "", c, root));
        } catch (Native.Errno e) {
            throw FileErrors.error(e, path);
        } finally {
            Native.close(written);
        }
    }
}
