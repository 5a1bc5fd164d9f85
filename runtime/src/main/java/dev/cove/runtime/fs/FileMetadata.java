package dev.cove.runtime.fs;

import dev.cove.core.CoveException;
import dev.cove.core.linux.Native;
import dev.cove.runtime.host.Xattrs;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * E2B's file metadata: user-defined key/value pairs kept as {@code user.e2b.<key>} extended attributes of a file or
 * directory (envd 0.6.2+). Other {@code user.*} attributes are not metadata. A file system without user attributes
 * simply has none to report.
 */
final class FileMetadata {
    static final String PREFIX = "user.e2b.";

    private FileMetadata() {}

    /**
     * Metadata of {@code name} in the directory {@code dirFd} (a final symlink is never followed), or of
     * {@code dirFd} itself when {@code name} is empty. Only files and directories carry user attributes.
     */
    static Map<String, String> read(int dirFd, String name) {
        String path = "/proc/self/fd/" + dirFd + (name.isEmpty() ? "" : "/" + name);
        boolean follow = name.isEmpty(); // the descriptor's magic link leads to exactly the pinned inode
        try {
            List<String> names = Xattrs.list(path, follow);
            Map<String, String> out = null;
            for (String n : names) {
                if (!n.startsWith(PREFIX) || n.length() == PREFIX.length()) continue;
                byte[] v;
                try {
                    v = Xattrs.get(path, n, follow);
                } catch (Native.Errno e) {
                    continue; // removed meanwhile
                }
                if (out == null) out = new TreeMap<>();
                out.put(n.substring(PREFIX.length()), new String(v, StandardCharsets.UTF_8));
            }
            return out == null ? Map.of() : out;
        } catch (Native.Errno e) {
            return Map.of(); // no attributes here (unsupported, unreadable, or gone)
        }
    }

    /** Replaces the metadata of the open file {@code fd} with {@code metadata}: keys not in it are removed. */
    static void replace(int fd, Map<String, String> metadata) throws Native.Errno {
        for (String key : metadata.keySet()) {
            if (key.isEmpty() || key.indexOf('\0') >= 0 || key.indexOf('/') >= 0) {
                throw FileErrors.invalid("invalid metadata key '" + key + "'");
            }
        }
        List<String> existing;
        try {
            existing = Xattrs.list(fd);
        } catch (Native.Errno e) {
            if (e.errno == Xattrs.ENOTSUP && metadata.isEmpty()) return; // nothing stored, nothing to store
            throw unsupported(e);
        }
        for (String n : existing) {
            if (n.startsWith(PREFIX) && !metadata.containsKey(n.substring(PREFIX.length()))) Xattrs.remove(fd, n);
        }
        try {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                Xattrs.set(fd, PREFIX + e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8));
            }
        } catch (Native.Errno e) {
            throw unsupported(e);
        }
    }

    private static Native.Errno unsupported(Native.Errno e) {
        if (e.errno == Xattrs.ENOTSUP) {
            throw new CoveException(500, "internal", "this sandbox's file system cannot keep file metadata");
        }
        if (e.errno == Xattrs.E2BIG || e.errno == Xattrs.ERANGE) {
            throw FileErrors.invalid("file metadata is too large for the file system");
        }
        return e;
    }
}
