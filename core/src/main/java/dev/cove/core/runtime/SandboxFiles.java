package dev.cove.core.runtime;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * File access inside one sandbox, confined to its root: no path, symlink, {@code ..} or race reaches a file
 * outside it. Paths are absolute paths inside the sandbox. Every call acts for the given user ({@code root} or
 * {@code user}) and what it creates belongs to that user. As E2B's envd (a root process) does, files and
 * directories are created wherever root could create them; what exists is read, overwritten, renamed and removed
 * with that user's permissions.
 *
 * <p>Failures are {@link dev.cove.core.CoveException}s: 404 {@code not_found}, 409 {@code already_exists},
 * 400 {@code invalid_argument}, 403 {@code permission_denied}, 507 {@code insufficient_storage}.
 */
public interface SandboxFiles {
    /** The entry at {@code path}; a final symlink is described, not followed. */
    FileEntry stat(String user, String path);

    /** Creates the directory and missing parents; 409 when it exists as a directory, 400 when as something else. */
    FileEntry makeDir(String user, String path);

    /** Renames {@code source} to {@code destination} (replacing a file there), creating missing parents. */
    FileEntry move(String user, String source, String destination);

    /**
     * Entries below the directory {@code path}, down to {@code depth} levels (1 = its children), in lexical
     * pre-order as envd lists them: each directory's entries by name, a subdirectory's right after it.
     */
    List<FileEntry> list(String user, String path, int depth);

    /** Removes a file, symlink or directory tree; nothing there (or no parent) is success, as on E2B. */
    void remove(String user, String path);

    /** An open regular file for reading. */
    interface Reader extends Closeable {
        FileEntry entry();

        /** Copies {@code length} bytes from {@code offset} to {@code out}. */
        void copyTo(OutputStream out, long offset, long length) throws IOException;

        /** The first bytes of the file (content sniffing). */
        byte[] head(int max) throws IOException;

        @Override
        void close();
    }

    /** Opens a regular file for reading; 400 for directories and other non-regular files. */
    Reader openRead(String user, String path);

    /**
     * Creates or truncates the regular file {@code path} (and missing parent directories) and writes {@code data}
     * to it, streaming; any metadata it had is removed (as an envd upload without {@code X-Metadata-*} headers).
     */
    default FileEntry write(String user, String path, InputStream data) throws IOException {
        return write(user, path, data, Map.of());
    }

    /**
     * {@link #write(String, String, InputStream)} that then makes {@code metadata} the file's whole metadata (keys
     * not in it are removed), as envd's upload with {@code X-Metadata-<key>} headers does. Keys and values are
     * checked by the caller (printable ASCII, sizes).
     */
    FileEntry write(String user, String path, InputStream data, Map<String, String> metadata) throws IOException;

    /** A running watch; close it to stop. */
    interface Watch extends Closeable {
        @Override
        void close();
    }

    /**
     * Watches the directory {@code path} (and, if {@code recursive}, its subdirectories) and calls {@code events}
     * from a watcher thread for every change.
     */
    Watch watch(String user, String path, boolean recursive, Consumer<FileEvent> events);
}
