package dev.cove.runtime.fs;

import dev.cove.core.linux.Native;
import dev.cove.core.runtime.FileEntry;
import dev.cove.core.runtime.FileEvent;
import dev.cove.core.runtime.SandboxFiles;
import dev.cove.runtime.host.Sys;
import dev.cove.runtime.oci.OciSpec;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import static dev.cove.runtime.fs.FileErrors.invalid;
import static dev.cove.runtime.fs.RootedPaths.resolve;

/**
 * {@link SandboxFiles} on the host view of a sandbox's overlay root: the one entry point, which hands each call to
 * the class that owns its concern. Every path is resolved inside the root and final components are pinned as
 * descriptors before use ({@link RootedPaths}); every call runs as the requesting user ({@link RootCalls},
 * {@link UserThreads}), except what creates, which runs with root's powers and the user's ids so that it is the
 * user's as it is made ({@link UserOwnedWrites}). Listing is {@link TreeListing}, renames and removals
 * {@link MovesAndRemovals}, reads {@link PinnedFileReader}, entries {@link FileEntries}, watches {@link InotifyWatch}.
 */
public final class RootedFiles implements SandboxFiles {
    private final RootCalls calls;
    private final FileEntries entries;
    private final UserOwnedWrites writes;
    private final MovesAndRemovals moves;
    private final Set<InotifyWatch> watches = ConcurrentHashMap.newKeySet();

    /** @param uidBase host id of the sandbox's root (0: no user namespace, the sandbox's ids are the host's) */
    public RootedFiles(String rootfs, long uidBase) {
        this.calls = new RootCalls(rootfs, uidBase);
        this.entries = new FileEntries(uidBase);
        this.writes = new UserOwnedWrites(calls, entries);
        this.moves = new MovesAndRemovals(calls, entries);
    }

    @Override
    public FileEntry stat(String user, String path) {
        return calls.as(user, path, entries::entryOf);
    }

    @Override
    public FileEntry makeDir(String user, String path) {
        return writes.makeDir(user, path);
    }

    @Override
    public FileEntry move(String user, String source, String destination) {
        return moves.move(user, source, destination);
    }

    @Override
    public List<FileEntry> list(String user, String path, int depth) {
        if (depth < 1) throw invalid("depth should be at least one");
        return calls.as(user, path, (root, clean) -> TreeListing.list(entries, root, clean, path, depth));
    }

    @Override
    public void remove(String user, String path) {
        moves.remove(user, path);
    }

    @Override
    public Reader openRead(String user, String path) {
        return PinnedFileReader.open(calls, entries, user, path);
    }

    @Override
    public FileEntry write(String user, String path, InputStream data, Map<String, String> metadata) throws IOException {
        return writes.write(user, path, data, metadata);
    }

    @Override
    public Watch watch(String user, String path, boolean recursive, Consumer<FileEvent> events) {
        OciSpec.User u = RootCalls.user(user);
        InotifyWatch w = calls.as(user, path, (root, clean) -> {
            int pfd = resolve(root, clean, Sys.O_PATH);
            try {
                if (!Sys.statx(pfd, "").isDir()) throw invalid("path '" + path + "' is not a directory");
            } finally {
                Native.close(pfd);
            }
            int ifd = Sys.inotifyInit();
            InotifyWatch impl = new InotifyWatch(u, calls.uidBase(), calls::openRoot, watches, ifd, clean, recursive,
                    events);
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
