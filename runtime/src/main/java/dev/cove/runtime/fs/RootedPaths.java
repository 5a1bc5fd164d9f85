package dev.cove.runtime.fs;

import dev.cove.core.linux.Native;
import dev.cove.runtime.host.Sys;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.cove.runtime.fs.FileErrors.invalid;

/**
 * The confined path walk, the one place a path the sandbox controls becomes a descriptor. A whole path is resolved
 * with {@code openat2(RESOLVE_IN_ROOT)} against an {@code O_PATH} descriptor of the root: absolute symlinks,
 * relative symlinks and {@code ..} all stay inside, atomically, whatever the sandbox swaps in meanwhile. One name
 * below an already resolved directory is opened with no symlink and nothing above it. Final components are pinned
 * as descriptors before use (a file is checked to be regular on its {@code O_PATH} descriptor and then reopened
 * through {@code /proc/self/fd}), so no device node, fifo or swapped-in symlink is ever opened. Permissions are
 * those of the calling thread ({@link UserThreads}).
 */
final class RootedPaths {
    private static final long IN_ROOT = Sys.RESOLVE_IN_ROOT | Sys.RESOLVE_NO_MAGICLINKS | Sys.RESOLVE_NO_XDEV;
    /** For one name below an already resolved directory: no symlink at all, nothing above it. */
    private static final long BENEATH = 0x08 | 0x04 | Sys.RESOLVE_NO_XDEV;

    private RootedPaths() {}

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

    static String parentOf(String clean) {
        int i = clean.lastIndexOf('/');
        return i <= 0 ? "/" : clean.substring(0, i);
    }

    static String nameOf(String clean) {
        return clean.equals("/") ? "/" : clean.substring(clean.lastIndexOf('/') + 1);
    }

    /** {@code clean} (from {@link #clean}) opened with {@code flags}, every component resolved inside {@code root}. */
    static int resolve(int root, String clean, int flags) throws Native.Errno {
        return Sys.openat2(root, rel(clean), flags, 0, IN_ROOT);
    }

    /** The single entry {@code name} of the directory {@code dirFd}: no symlink is followed, nothing above it. */
    static int openBeneath(int dirFd, String name, int flags, int mode) throws Native.Errno {
        return Sys.openat2(dirFd, name, flags, mode, BENEATH);
    }

    /**
     * Opens the regular file at {@code clean} (a final symlink is followed, inside the root) with {@code flags}:
     * pinned as O_PATH first, checked to be a regular file, then reopened through /proc/self/fd, which opens
     * exactly that inode (permissions checked as the calling thread's user).
     */
    static int openRegular(int root, String clean, int flags) throws IOException {
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

    /** statx of the final component, following symlinks in the parents only. */
    static Sys.Stat statNoFollowFinal(int root, String clean) throws Native.Errno {
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
}
