package dev.cove.runtime.fs;

import dev.cove.core.linux.Native;
import dev.cove.core.runtime.FileEntry;
import dev.cove.runtime.host.Sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static dev.cove.runtime.fs.RootedPaths.clean;
import static dev.cove.runtime.fs.RootedPaths.nameOf;
import static dev.cove.runtime.fs.RootedPaths.parentOf;
import static dev.cove.runtime.fs.RootedPaths.resolve;

/**
 * Describes a file as a {@link FileEntry}, the way the sandbox itself sees it: its ids mapped back from the host's
 * into the sandbox's range, named from the sandbox's own {@code /etc/passwd} and {@code /etc/group} (read inside
 * the root, cached until they change), a symlink's target as a clean path inside the sandbox, and its
 * {@code user.e2b.*} metadata ({@link FileMetadata}). Callers hand it descriptors they already resolved.
 */
final class FileEntries {
    private final long uidBase;
    private volatile Names names;

    /** @param uidBase host id of the sandbox's root (0: no user namespace, the sandbox's ids are the host's) */
    FileEntries(long uidBase) {
        this.uidBase = uidBase;
    }

    /** The sandbox's id for a host id, as its processes see it; 65534 (nobody) for ids outside its range. */
    private int inSandbox(int hostId) {
        if (uidBase == 0) return hostId;
        long id = Integer.toUnsignedLong(hostId) - uidBase;
        return id >= 0 && id < 65536 ? (int) id : 65534;
    }

    /** The entry {@code name} of {@code dirFd} ({@code ""}: {@code dirFd} itself), known to the user as {@code clean}. */
    FileEntry entry(int dirFd, String name, String clean, int rootForLinks) throws Native.Errno {
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

    /** The entry at {@code clean}; a final symlink is described, not followed. */
    FileEntry entryOf(int root, String clean) throws Native.Errno {
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
        int fd = RootedPaths.openRegular(root, path, Sys.O_RDONLY);
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
}
