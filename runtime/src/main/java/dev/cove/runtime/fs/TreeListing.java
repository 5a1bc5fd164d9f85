package dev.cove.runtime.fs;

import dev.cove.core.linux.Native;
import dev.cove.core.runtime.FileEntry;
import dev.cove.runtime.host.Sys;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import static dev.cove.runtime.fs.FileErrors.invalid;
import static dev.cove.runtime.fs.RootedPaths.resolve;

/**
 * Lists a directory down to a depth in E2B's order, lexical pre-order as envd's walk (Go's
 * {@code filepath.WalkDir}): each directory's entries sorted by name as bytes, a subdirectory's walked right after
 * it. Subdirectories are descended one name at a time from the descriptor of their parent
 * ({@link RootedPaths#openBeneath}), so a directory swapped for a symlink is listed, not followed.
 */
final class TreeListing {
    /** By name as bytes, as envd's walk (Go's filepath.WalkDir) sorts each directory's entries. */
    private static final Comparator<Sys.Dirent> BY_NAME =
            Comparator.comparing(d -> d.name().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned);

    private TreeListing() {}

    /** Entries below the directory {@code clean} (asked for as {@code path}), run as the listing user. */
    static List<FileEntry> list(FileEntries entries, int root, String clean, String path, int depth)
            throws Native.Errno {
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
            listInto(entries, root, fd, clean, depth, out);
        } finally {
            Native.close(fd);
        }
        return out;
    }

    /** Lexical pre-order, as envd's: each directory's entries sorted, a subdirectory's walked right after it. */
    private static void listInto(FileEntries entries, int root, int dirFd, String dirPath, int depth,
                                 List<FileEntry> out) throws Native.Errno {
        List<Sys.Dirent> dirents = new ArrayList<>(Sys.readdir(dirFd));
        dirents.sort(BY_NAME);
        for (Sys.Dirent d : dirents) {
            String childPath = dirPath.equals("/") ? "/" + d.name() : dirPath + "/" + d.name();
            FileEntry e;
            try {
                e = entries.entry(dirFd, d.name(), childPath, root);
            } catch (Native.Errno gone) {
                continue; // removed meanwhile
            }
            out.add(e);
            if (depth > 1 && e.type() == FileEntry.Type.DIRECTORY) {
                int child;
                try {
                    child = RootedPaths.openBeneath(dirFd, d.name(), Sys.O_RDONLY | Sys.O_DIRECTORY | Sys.O_NOFOLLOW, 0);
                } catch (Native.Errno denied) {
                    continue; // unreadable or swapped: listed, not descended
                }
                try {
                    listInto(entries, root, child, childPath, depth - 1, out);
                } finally {
                    Native.close(child);
                }
            }
        }
    }
}
