package dev.cove.runtime.fs;

import dev.cove.core.CoveException;
import dev.cove.core.linux.Native;
import dev.cove.core.runtime.FileEntry;
import dev.cove.core.runtime.FileEvent;
import dev.cove.core.runtime.SandboxFiles;
import dev.cove.runtime.host.Sys;
import dev.cove.runtime.oci.OciSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * {@link SandboxFiles} on the host view of a sandbox's overlay root. Every path is resolved with
 * {@code openat2(RESOLVE_IN_ROOT)} against an {@code O_PATH} descriptor of the root: absolute symlinks, relative
 * symlinks and {@code ..} all stay inside, atomically, whatever the sandbox swaps in meanwhile. Final components are
 * pinned as descriptors before use (a file is checked to be regular on its {@code O_PATH} descriptor and then
 * reopened through {@code /proc/self/fd}), so no device node, fifo or swapped-in symlink is ever opened.
 * Calls run as the requesting user ({@link UserThreads}), except what creates, which E2B's envd (a root process)
 * does as root for any user and then gives to that user: the new file of a write, the missing directories of a
 * write, a make-dir and a move's destination ({@link #mkdirs}), so {@code user} may make {@code /opt/app} or
 * {@code /workspace} as on E2B. Those run with root's powers but the user's ids ({@link UserThreads#creatingFor}),
 * so what they make is the user's as it is made: there is no change of owner afterwards that a directory swapped
 * in meanwhile could redirect. The rest stays the user's own
 * act, where envd would act as root for anyone: opening an existing file to overwrite it (envd would also take
 * it from its owner), reads, listings, stats, the rename of a move and removes, so that what exists keeps the
 * permissions the sandbox gave it.
 */
public final class RootedFiles implements SandboxFiles {
    private static final long IN_ROOT = Sys.RESOLVE_IN_ROOT | Sys.RESOLVE_NO_MAGICLINKS | Sys.RESOLVE_NO_XDEV;
    /** For one name below an already resolved directory: no symlink at all, nothing above it. */
    private static final long BENEATH = 0x08 | 0x04 | Sys.RESOLVE_NO_XDEV;
    private static final int COPY_CHUNK = 256 * 1024;
    /** By name as bytes, as envd's walk (Go's filepath.WalkDir) sorts each directory's entries. */
    private static final Comparator<Sys.Dirent> BY_NAME =
            Comparator.comparing(d -> d.name().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned);

    private final String rootfs;
    private final Set<InotifyWatch> watches = ConcurrentHashMap.newKeySet();
    private volatile Names names;

    private final long uidBase;

    /** @param uidBase host id of the sandbox's root (0: no user namespace, the sandbox's ids are the host's) */
    public RootedFiles(String rootfs, long uidBase) {
        this.rootfs = rootfs;
        this.uidBase = uidBase;
    }

    /** The sandbox's id for a host id, as its processes see it; 65534 (nobody) for ids outside its range. */
    private int inSandbox(int hostId) {
        if (uidBase == 0) return hostId;
        long id = Integer.toUnsignedLong(hostId) - uidBase;
        return id >= 0 && id < 65536 ? (int) id : 65534;
    }

    // ---------------------------------------------------------------- helpers

    private static OciSpec.User user(String name) {
        OciSpec.User u = OciSpec.User.byName(name);
        if (u == null) throw new CoveException(401, "unauthenticated", "invalid username: '" + name + "'");
        return u;
    }

    /** Absolute, lexically clean path ({@code ..} above the root stays at the root, as in E2B). */
    static String clean(String path) {
        if (path == null || path.isEmpty()) throw invalid("path is empty");
        if (path.indexOf('\0') >= 0) throw invalid("path contains a NUL byte");
        if (!path.startsWith("/")) throw invalid("path '" + path + "' is not absolute");
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) {
                if (!parts.isEmpty()) parts.removeLast();
            } else {
                parts.add(p);
            }
        }
        return "/" + String.join("/", parts);
    }

    private static String rel(String clean) { return clean.equals("/") ? "." : clean.substring(1); }

    private static String parentOf(String clean) {
        int i = clean.lastIndexOf('/');
        return i <= 0 ? "/" : clean.substring(0, i);
    }

    private static String nameOf(String clean) {
        return clean.equals("/") ? "/" : clean.substring(clean.lastIndexOf('/') + 1);
    }

    private int openRoot() throws IOException {
        return Native.open(rootfs, Sys.O_PATH | Sys.O_DIRECTORY, 0);
    }

    static int resolve(int root, String clean, int flags) throws Native.Errno {
        return Sys.openat2(root, rel(clean), flags, 0, IN_ROOT);
    }

    static CoveException invalid(String message) { return new CoveException(400, "invalid_argument", message); }

    /** A system call's failure, as the user should read it. */
    static CoveException error(Native.Errno e, String path) {
        return switch (e.errno) {
            case Sys.ENOENT -> new CoveException(404, "not_found", "path '" + path + "' does not exist");
            case Sys.EEXIST -> new CoveException(409, "already_exists", "path '" + path + "' already exists");
            case Sys.ENOTDIR -> invalid("a parent of path '" + path + "' is not a directory");
            case Sys.EISDIR -> invalid("path '" + path + "' is a directory");
            case Sys.EACCES, Sys.EPERM -> new CoveException(403, "permission_denied",
                    "permission denied for path '" + path + "'");
            case Sys.ELOOP -> invalid("path '" + path + "' has too many levels of symbolic links");
            case Sys.EXDEV -> invalid("path '" + path + "' crosses a mount point, which the file API does not follow");
            case Sys.ENAMETOOLONG -> invalid("path '" + path + "' is too long");
            case Sys.ENOTEMPTY -> invalid("directory '" + path + "' is not empty");
            case Sys.ENOSPC, Sys.EDQUOT -> new CoveException(507, "insufficient_storage",
                    "not enough disk space for '" + path + "'");
            case Sys.ENXIO -> invalid("path '" + path + "' is not a regular file");
            default -> new CoveException(500, "internal", "file operation on '" + path + "' failed: " + e.getMessage(), e);
        };
    }

    private <T> T run(String user, String path, RootCall<T> call) {
        return runAs(user(user), path, call);
    }

    /**
     * {@code call} with the sandbox root's powers and {@code owner}'s ids ({@link UserThreads#creatingFor}), to
     * create what {@code owner} asked for: it belongs to {@code owner} as it is made.
     */
    private <T> T create(String owner, String path, RootCall<T> call) {
        return runAs(user(owner), path, call, true);
    }

    private <T> T runAs(OciSpec.User u, String path, RootCall<T> call) { return runAs(u, path, call, false); }

    private <T> T runAs(OciSpec.User u, String path, RootCall<T> call, boolean creating) {
        String clean = clean(path);
        int root;
        try {
            root = openRoot();
        } catch (IOException e) {
            throw new CoveException(503, "unavailable", "the sandbox's file system is not available");
        }
        try {
            return creating ? UserThreads.creatingFor(u, uidBase, () -> call.call(root, clean))
                    : UserThreads.as(u, uidBase, () -> call.call(root, clean));
        } catch (Native.Errno e) {
            throw error(e, path);
        } catch (IOException e) {
            throw new CoveException(500, "internal", "file operation on '" + path + "' failed: " + e.getMessage(), e);
        } finally {
            Native.close(root);
        }
    }

    @FunctionalInterface
    private interface RootCall<T> {
        T call(int root, String clean) throws IOException;
    }

    // ---------------------------------------------------------------- entries

    private FileEntry entry(int dirFd, String name, String clean, int rootForLinks) throws Native.Errno {
        Sys.Stat st = Sys.statx(dirFd, name);
        String target = null;
        FileEntry.Type type;
        if (st.isSymlink()) {
            type = FileEntry.Type.SYMLINK;
            String raw = Sys.readlinkat(dirFd, name);
            target = raw.startsWith("/") ? clean(raw) : clean(parentOf(clean) + "/" + raw);
        } else if (st.isDir()) {
            type = FileEntry.Type.DIRECTORY;
        } else if (st.isRegular()) {
            type = FileEntry.Type.FILE;
        } else {
            type = FileEntry.Type.OTHER;
        }
        Names n = names(rootForLinks);
        Map<String, String> metadata = st.isRegular() || st.isDir() ? FileMetadata.read(dirFd, name) : Map.of();
        return new FileEntry(nameOf(clean), clean, type, st.size(), st.mode() & 07777, n.user(inSandbox(st.uid())),
                n.group(inSandbox(st.gid())), Instant.ofEpochSecond(st.mtimeSec(), st.mtimeNsec()), target, metadata);
    }

    private FileEntry entryOf(int root, String clean) throws Native.Errno {
        int fd = resolve(root, clean, Sys.O_PATH | Sys.O_NOFOLLOW);
        try {
            return entry(fd, "", clean, root);
        } finally {
            Native.close(fd);
        }
    }

    /** User and group names from the sandbox's /etc/passwd and /etc/group (re-read when they change). */
    private record Names(long passwdKey, long groupKey, Map<Integer, String> users, Map<Integer, String> groups) {
        String user(int uid) { return users.getOrDefault(uid, Integer.toString(uid)); }
        String group(int gid) { return groups.getOrDefault(gid, Integer.toString(gid)); }
    }

    private Names names(int root) {
        Names cached = names;
        try {
            long pk = fileKey(root, "/etc/passwd");
            long gk = fileKey(root, "/etc/group");
            if (cached != null && cached.passwdKey == pk && cached.groupKey == gk) return cached;
            Names fresh = new Names(pk, gk, parseIds(readSmall(root, "/etc/passwd")), parseIds(readSmall(root, "/etc/group")));
            names = fresh;
            return fresh;
        } catch (IOException | RuntimeException e) {
            return cached != null ? cached : new Names(0, 0, Map.of(0, "root"), Map.of(0, "root"));
        }
    }

    private static long fileKey(int root, String path) throws Native.Errno {
        int fd = resolve(root, path, Sys.O_PATH);
        try {
            Sys.Stat st = Sys.statx(fd, "");
            return st.ino() * 31 + st.mtimeSec() * 1_000_000_007L + st.mtimeNsec() + st.size();
        } finally {
            Native.close(fd);
        }
    }

    private static Map<Integer, String> parseIds(String text) {
        Map<Integer, String> m = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(":", -1);
            if (f.length < 3) continue;
            try {
                m.putIfAbsent(Integer.parseInt(f[2]), f[0]);
            } catch (NumberFormatException ignored) {
                // malformed line
            }
        }
        return m;
    }

    /** A small regular file inside the sandbox (at most 1 MiB), read safely. */
    private static String readSmall(int root, String path) throws IOException {
        int fd = openRegular(root, path, Sys.O_RDONLY);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1 << 20);
            long total = 0;
            int n;
            while (total < buf.byteSize() && (n = Sys.read(fd, buf.asSlice(total), buf.byteSize() - total)) > 0) total += n;
            return new String(buf.asSlice(0, total).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } finally {
            Native.close(fd);
        }
    }

    /**
     * Opens the regular file at {@code clean} (a final symlink is followed, inside the root) with {@code flags}:
     * pinned as O_PATH first, checked to be a regular file, then reopened through /proc/self/fd, which opens
     * exactly that inode (permissions checked as the calling thread's user).
     */
    private static int openRegular(int root, String clean, int flags) throws IOException {
        int pfd = resolve(root, clean, Sys.O_PATH);
        try {
            Sys.Stat st = Sys.statx(pfd, "");
            if (st.isDir()) throw invalid("path '" + clean + "' is a directory");
            if (!st.isRegular()) throw invalid("path '" + clean + "' is not a regular file");
            return Native.open("/proc/self/fd/" + pfd, flags | Sys.O_NOCTTY, 0);
        } finally {
            Native.close(pfd);
        }
    }

    // ---------------------------------------------------------------- operations

    @Override
    public FileEntry stat(String user, String path) {
        return run(user, path, (root, clean) -> entryOf(root, clean));
    }

    @Override
    public FileEntry makeDir(String user, String path) {
        return create(user, path, (root, clean) -> {
            if (!clean.equals("/")) {
                try {
                    Sys.Stat st = statNoFollowFinal(root, clean);
                    if (st.isDir()) throw new CoveException(409, "already_exists", "directory already exists: " + clean);
                    throw invalid("path already exists but is not a directory: " + clean);
                } catch (Native.Errno e) {
                    if (e.errno != Sys.ENOENT) throw e;
                }
            } else {
                throw new CoveException(409, "already_exists", "directory already exists: /");
            }
            mkdirs(root, clean);
            return entryOf(root, clean);
        });
    }

    /** statx of the final component, following symlinks in the parents only. */
    private static Sys.Stat statNoFollowFinal(int root, String clean) throws Native.Errno {
        int fd = resolve(root, clean, Sys.O_PATH | Sys.O_NOFOLLOW);
        try {
            Sys.Stat st = Sys.statx(fd, "");
            if (!st.isSymlink()) return st;
        } finally {
            Native.close(fd);
        }
        // a symlink: what it points to decides (a link to a directory is a directory for mkdir -p)
        fd = resolve(root, clean, Sys.O_PATH);
        try {
            return Sys.statx(fd, "");
        } finally {
            Native.close(fd);
        }
    }

    /**
     * mkdir -p, each level resolved from the root; run through {@link #create}, each directory it makes belongs to
     * the requesting user, as after envd's EnsureDirs (what was there keeps its owner).
     */
    private void mkdirs(int root, String clean) throws Native.Errno {
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

    @Override
    public FileEntry move(String user, String source, String destination) {
        String dst = clean(destination);
        run(user, source, (root, src) -> {
            if (src.equals("/") || dst.equals("/")) throw invalid("cannot move the root directory");
            Native.close(resolve(root, src, Sys.O_PATH | Sys.O_NOFOLLOW)); // a missing source makes nothing
            return null;
        });
        create(user, destination, (root, d) -> {
            mkdirs(root, parentOf(d));
            return null;
        });
        return run(user, source, (root, src) -> {
            int sp = resolve(root, parentOf(src), Sys.O_PATH | Sys.O_DIRECTORY);
            try {
                int dp = resolve(root, parentOf(dst), Sys.O_PATH | Sys.O_DIRECTORY);
                try {
                    Sys.renameat(sp, nameOf(src), dp, nameOf(dst));
                } catch (Native.Errno e) {
                    if (e.errno == Sys.ENOENT) throw e;
                    throw error(e, destination);
                } finally {
                    Native.close(dp);
                }
            } finally {
                Native.close(sp);
            }
            return entryOf(root, dst);
        });
    }

    @Override
    public List<FileEntry> list(String user, String path, int depth) {
        if (depth < 1) throw invalid("depth should be at least one");
        return run(user, path, (root, clean) -> {
            int pfd = resolve(root, clean, Sys.O_PATH);
            Sys.Stat st;
            try {
                st = Sys.statx(pfd, "");
            } finally {
                Native.close(pfd);
            }
            if (!st.isDir()) throw invalid("path '" + path + "' is not a directory");
            int fd = resolve(root, clean, Sys.O_RDONLY | Sys.O_DIRECTORY);
            List<FileEntry> out = new ArrayList<>();
            try {
                listInto(root, fd, clean, depth, out);
            } finally {
                Native.close(fd);
            }
            return out;
        });
    }

    /** Lexical pre-order, as envd's: each directory's entries sorted, a subdirectory's walked right after it. */
    private void listInto(int root, int dirFd, String dirPath, int depth, List<FileEntry> out) throws Native.Errno {
        List<Sys.Dirent> dirents = new ArrayList<>(Sys.readdir(dirFd));
        dirents.sort(BY_NAME);
        for (Sys.Dirent d : dirents) {
            String childPath = dirPath.equals("/") ? "/" + d.name() : dirPath + "/" + d.name();
            FileEntry e;
            try {
                e = entry(dirFd, d.name(), childPath, root);
            } catch (Native.Errno gone) {
                continue; // removed meanwhile
            }
            out.add(e);
            if (depth > 1 && e.type() == FileEntry.Type.DIRECTORY) {
                int child;
                try {
                    child = Sys.openat2(dirFd, d.name(), Sys.O_RDONLY | Sys.O_DIRECTORY | Sys.O_NOFOLLOW, 0, BENEATH);
                } catch (Native.Errno denied) {
                    continue; // unreadable or swapped: listed, not descended
                }
                try {
                    listInto(root, child, childPath, depth - 1, out);
                } finally {
                    Native.close(child);
                }
            }
        }
    }

    @Override
    public void remove(String user, String path) {
        run(user, path, (root, clean) -> {
            if (clean.equals("/")) throw invalid("cannot remove the root directory");
            try {
                int pfd = resolve(root, parentOf(clean), Sys.O_PATH | Sys.O_DIRECTORY);
                try {
                    removeAt(pfd, nameOf(clean));
                } finally {
                    Native.close(pfd);
                }
            } catch (Native.Errno e) {
                // as envd's os.RemoveAll: what is not there, or has no parent, is removed already
                if (e.errno != Sys.ENOENT) throw e;
            }
            return null;
        });
    }

    private static void removeAt(int dirFd, String name) throws Native.Errno {
        Sys.Stat st = Sys.statx(dirFd, name);
        if (!st.isDir()) {
            Sys.unlinkat(dirFd, name, 0);
            return;
        }
        int fd = Sys.openat2(dirFd, name, Sys.O_RDONLY | Sys.O_DIRECTORY | Sys.O_NOFOLLOW, 0, BENEATH);
        try {
            for (Sys.Dirent d : Sys.readdir(fd)) {
                try {
                    removeAt(fd, d.name());
                } catch (Native.Errno e) {
                    if (e.errno != Sys.ENOENT) throw e;
                }
            }
        } finally {
            Native.close(fd);
        }
        Sys.unlinkat(dirFd, name, Sys.AT_REMOVEDIR);
    }

    // ---------------------------------------------------------------- contents

    @Override
    public Reader openRead(String user, String path) {
        int[] fd = new int[1];
        FileEntry entry = run(user, path, (root, clean) -> {
            fd[0] = openRegular(root, clean, Sys.O_RDONLY);
            try {
                FileEntry e = entry(fd[0], "", clean, root);
                return new FileEntry(e.name(), e.path(), FileEntry.Type.FILE, e.size(), e.mode(), e.owner(), e.group(),
                        e.modified(), null);
            } catch (Native.Errno e) {
                Native.close(fd[0]);
                throw e;
            }
        });
        return new FdReader(fd[0], entry);
    }

    private static final class FdReader implements Reader {
        private final int fd;
        private final FileEntry entry;
        private boolean closed;

        FdReader(int fd, FileEntry entry) {
            this.fd = fd;
            this.entry = entry;
        }

        @Override
        public FileEntry entry() { return entry; }

        @Override
        public void copyTo(OutputStream out, long offset, long length) throws IOException {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = a.allocate(COPY_CHUNK);
                byte[] heap = new byte[COPY_CHUNK];
                long pos = offset;
                long left = length;
                while (left > 0) {
                    int n = Sys.pread(fd, buf, Math.min(left, COPY_CHUNK), pos);
                    if (n == 0) break; // truncated meanwhile
                    MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, heap, 0, n);
                    out.write(heap, 0, n);
                    pos += n;
                    left -= n;
                }
            }
        }

        @Override
        public byte[] head(int max) throws IOException {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = a.allocate(Math.max(1, max));
                int n = Sys.pread(fd, buf, max, 0);
                return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            }
        }

        @Override
        public synchronized void close() {
            if (!closed) Native.close(fd);
            closed = true;
        }
    }

    @Override
    public FileEntry write(String user, String path, InputStream data, Map<String, String> metadata) throws IOException {
        String clean = clean(path);
        if (clean.equals("/")) throw invalid("path '/' is a directory");
        int fd = -1;
        for (int attempt = 0; attempt < 5 && fd < 0; attempt++) {
            // a new file (and its missing parents) is made as root and given to the user, as envd does ...
            fd = create(user, path, (root, c) -> {
                try {
                    mkdirs(root, parentOf(c));
                } catch (Native.Errno e) {
                    if (e.errno == Sys.ENOENT || e.errno == Sys.EEXIST || e.errno == Sys.ENOTDIR)
                        throw invalid("cannot create the parent directories of '" + path + "': " + Native.strerror(e.errno));
                    throw e;
                }
                int pfd = resolve(root, parentOf(c), Sys.O_PATH | Sys.O_DIRECTORY);
                try {
                    return Sys.openat2(pfd, nameOf(c), Sys.O_WRONLY | Sys.O_CREAT | Sys.O_EXCL | Sys.O_NOFOLLOW,
                            0644, BENEATH);
                } catch (Native.Errno e) {
                    if (e.errno != Sys.EEXIST) throw e;
                    return -1; // there already
                } finally {
                    Native.close(pfd);
                }
            });
            if (fd >= 0) break;
            // ... one that exists is overwritten as the user, whose permissions decide (envd would take it over)
            fd = run(user, path, (root, c) -> {
                try {
                    return openRegular(root, c, Sys.O_WRONLY | Sys.O_TRUNC);
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
            return run(user, path, (root, c) -> entry(written, "", c, root));
        } catch (Native.Errno e) {
            throw error(e, path);
        } finally {
            Native.close(written);
        }
    }

    // ---------------------------------------------------------------- watching

    @Override
    public Watch watch(String user, String path, boolean recursive, Consumer<FileEvent> events) {
        OciSpec.User u = user(user);
        InotifyWatch w = run(user, path, (root, clean) -> {
            int pfd = resolve(root, clean, Sys.O_PATH);
            try {
                if (!Sys.statx(pfd, "").isDir()) throw invalid("path '" + path + "' is not a directory");
            } finally {
                Native.close(pfd);
            }
            int ifd = Sys.inotifyInit();
            InotifyWatch impl = new InotifyWatch(u, uidBase, this::openRoot, watches, ifd, clean, recursive, events);
            try {
                impl.addTree(root, clean, "");
            } catch (IOException | RuntimeException e) {
                Native.close(ifd);
                throw e;
            }
            return impl;
        });
        watches.add(w);
        w.start();
        return w;
    }

    /** Stops every watch (the sandbox is going away). */
    public void close() {
        for (InotifyWatch w : List.copyOf(watches)) w.close();
    }
}
