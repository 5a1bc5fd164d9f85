package dev.cove.core.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * A file as the sandbox sees it (never followed through a final symlink).
 *
 * @param name          last path component ({@code /} for the root)
 * @param path          absolute path inside the sandbox
 * @param type          file, directory, symlink or other (devices, sockets, fifos)
 * @param size          size in bytes
 * @param mode          the {@code st_mode} permission and special bits (no type bits), e.g. {@code 0644}
 * @param owner         owner name from the sandbox's /etc/passwd (the uid as text when unknown)
 * @param group         group name from the sandbox's /etc/group (the gid as text when unknown)
 * @param modified      modification time
 * @param symlinkTarget for symlinks: the absolute path inside the sandbox it points at; else null
 * @param metadata      E2B's user-defined file metadata (its {@code user.e2b.*} extended attributes, prefix
 *                      stripped), sorted by key; empty when it has none
 */
public record FileEntry(String name, String path, Type type, long size, int mode, String owner, String group,
                        Instant modified, String symlinkTarget, Map<String, String> metadata) {
    public enum Type { FILE, DIRECTORY, SYMLINK, OTHER }

    public FileEntry {
        metadata = metadata == null ? Map.of() : metadata;
    }

    /** An entry without metadata. */
    public FileEntry(String name, String path, Type type, long size, int mode, String owner, String group,
                     Instant modified, String symlinkTarget) {
        this(name, path, type, size, mode, owner, group, modified, symlinkTarget, Map.of());
    }

    /** {@code ls -l} style, e.g. {@code -rw-r--r--} or {@code drwxr-xr-x}. */
    public String permissions() {
        char t = switch (type) {
            case DIRECTORY -> 'd';
            case SYMLINK -> 'L';
            case FILE -> '-';
            case OTHER -> '?';
        };
        StringBuilder b = new StringBuilder(10).append(t);
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) b.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        return b.toString();
    }
}
