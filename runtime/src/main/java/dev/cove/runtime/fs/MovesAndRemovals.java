package dev.cove.runtime.fs;

import dev.cove.core.linux.Native;
import dev.cove.core.runtime.FileEntry;
import dev.cove.runtime.host.Sys;

import static dev.cove.runtime.fs.FileErrors.invalid;
import static dev.cove.runtime.fs.RootedPaths.clean;
import static dev.cove.runtime.fs.RootedPaths.nameOf;
import static dev.cove.runtime.fs.RootedPaths.parentOf;
import static dev.cove.runtime.fs.RootedPaths.resolve;

/**
 * Renames and removals: what changes where an existing entry is. Both are the user's own act (where envd would act
 * as root for anyone), so what exists keeps the permissions the sandbox gave it; only a move's missing destination
 * directories are created for the user ({@link UserOwnedWrites#mkdirs}). Each acts on a name below its resolved
 * parent directory, and a removed tree is walked one name at a time from its parent's descriptor
 * ({@link RootedPaths#openBeneath}), so a directory swapped for a symlink is unlinked, never followed.
 */
final class MovesAndRemovals {
    private final RootCalls calls;
    private final FileEntries entries;

    MovesAndRemovals(RootCalls calls, FileEntries entries) {
        this.calls = calls;
        this.entries = entries;
    }

    FileEntry move(String user, String source, String destination) {
        String dst = clean(destination);
        calls.as(user, source, (root, src) -> {
            if (src.equals("/") || dst.equals("/")) throw invalid("cannot move the root directory");
            Native.close(resolve(root, src, Sys.O_PATH | Sys.O_NOFOLLOW)); // a missing source makes nothing
            return null;
        });
        calls.creatingFor(user, destination, (root, d) -> {
            UserOwnedWrites.mkdirs(root, parentOf(d));
            return null;
        });
        return calls.as(user, source, (root, src) -> {
            int sp = resolve(root, parentOf(src), Sys.O_PATH | Sys.O_DIRECTORY);
            try {
                int dp = resolve(root, parentOf(dst), Sys.O_PATH | Sys.O_DIRECTORY);
                try {
                    Sys.renameat(sp, nameOf(src), dp, nameOf(dst));
                } catch (Native.Errno e) {
                    if (e.errno == Sys.ENOENT) throw e;
                    throw FileErrors.error(e, destination);
                } finally {
                    Native.close(dp);
                }
            } finally {
                Native.close(sp);
            }
            return entries.entryOf(root, dst);
        });
    }

    void remove(String user, String path) {
        calls.as(user, path, (root, clean) -> {
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
        int fd = RootedPaths.openBeneath(dirFd, name, Sys.O_RDONLY | Sys.O_DIRECTORY | Sys.O_NOFOLLOW, 0);
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
}
