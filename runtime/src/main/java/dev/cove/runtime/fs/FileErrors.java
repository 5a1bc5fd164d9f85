package dev.cove.runtime.fs;

import dev.cove.core.CoveException;
import dev.cove.core.linux.Native;
import dev.cove.runtime.host.Sys;

/**
 * The file API's failures as the user reads them: one place turns a system call's errno into the HTTP status,
 * machine code and sentence that {@link dev.cove.core.runtime.SandboxFiles} promises, so every operation reports
 * the same failure the same way.
 */
final class FileErrors {
    private FileErrors() {}

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
            default -> internal(path, e);
        };
    }

    /** A failure the user cannot act on (no errno the API names). */
    static CoveException internal(String path, Exception e) {
        return new CoveException(500, "internal", "file operation on '" + path + "' failed: " + e.getMessage(), e);
    }
}
