package dev.cove.runtime.fs;

import dev.cove.core.linux.Native;
import dev.cove.core.runtime.FileEntry;
import dev.cove.core.runtime.SandboxFiles;
import dev.cove.runtime.host.Sys;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads one regular file through a descriptor pinned when it was opened as the user
 * ({@link RootedPaths#openRegular}): what is streamed, however long after, is that inode, whatever the sandbox
 * renames or swaps in at its path meanwhile, and the entry describes that same inode.
 */
final class PinnedFileReader implements SandboxFiles.Reader {
    private static final int COPY_CHUNK = 256 * 1024;

    private final int fd;
    private final FileEntry entry;
    private boolean closed;

    private PinnedFileReader(int fd, FileEntry entry) {
        this.fd = fd;
        this.entry = entry;
    }

    /** Opens the regular file {@code path} as {@code user}; 400 for directories and other non-regular files. */
    static PinnedFileReader open(RootCalls calls, FileEntries entries, String user, String path) {
        int[] fd = new int[1];
        FileEntry entry = calls.as(user, path, (root, clean) -> {
            fd[0] = RootedPaths.openRegular(root, clean, Sys.O_RDONLY);
            try {
                FileEntry e = entries.entry(fd[0], "", clean, root);
                return new FileEntry(e.name(), e.path(), FileEntry.Type.FILE, e.size(), e.mode(), e.owner(), e.group(),
                        e.modified(), null);
            } catch (Native.Errno e) {
                Native.close(fd[0]);
                throw e;
            }
        });
        return new PinnedFileReader(fd[0], entry);
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
