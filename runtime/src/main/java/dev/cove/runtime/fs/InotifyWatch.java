package dev.cove.runtime.fs;

import dev.cove.core.linux.Native;
import dev.cove.core.runtime.FileEvent;
import dev.cove.core.runtime.SandboxFiles;
import dev.cove.runtime.host.Sys;
import dev.cove.runtime.oci.OciSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One watch of {@link RootedFiles}: an inotify descriptor on a directory of the sandbox (and, if recursive, on every
 * directory below it, including those created later), read by its own daemon thread that turns kernel events into
 * {@link FileEvent}s relative to the watched directory. Directories are opened inside the root as the watching user,
 * like every other file call.
 */
final class InotifyWatch implements SandboxFiles.Watch {
    private static final Logger log = LoggerFactory.getLogger(InotifyWatch.class);
    private static final int WATCH_MASK = Sys.IN_CREATE | Sys.IN_MODIFY | Sys.IN_DELETE | Sys.IN_MOVED_FROM
            | Sys.IN_MOVED_TO | Sys.IN_ATTRIB | Sys.IN_DELETE_SELF | Sys.IN_MOVE_SELF | Sys.IN_ONLYDIR;

    /** Opens an {@code O_PATH} descriptor of the sandbox's root, for directories created after the watch began. */
    @FunctionalInterface
    interface RootOpener {
        int open() throws IOException;
    }

    private final OciSpec.User user;
    private final long uidBase;
    private final RootOpener roots;
    private final Set<InotifyWatch> registry;
    private final int ifd;
    private final String base;
    private final boolean recursive;
    private final Consumer<FileEvent> events;
    private final Map<Integer, String> prefixes = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private Thread thread;

    InotifyWatch(OciSpec.User user, long uidBase, RootOpener roots, Set<InotifyWatch> registry, int ifd, String base,
                 boolean recursive, Consumer<FileEvent> events) {
        this.user = user;
        this.uidBase = uidBase;
        this.roots = roots;
        this.registry = registry;
        this.ifd = ifd;
        this.base = base;
        this.recursive = recursive;
        this.events = events;
    }

    /** Watches the directory {@code clean} (known to callers as {@code prefix}) and, if recursive, below it. */
    void addTree(int root, String clean, String prefix) throws IOException {
        int dfd = RootedPaths.resolve(root, clean, Sys.O_RDONLY | Sys.O_DIRECTORY | Sys.O_NOFOLLOW);
        try {
            int wd = Sys.inotifyAddWatch(ifd, "/proc/self/fd/" + dfd, WATCH_MASK);
            prefixes.put(wd, prefix);
            if (!recursive) return;
            for (Sys.Dirent d : Sys.readdir(dfd)) {
                if (d.type() != 4) continue; // DT_DIR
                String child = clean.equals("/") ? "/" + d.name() : clean + "/" + d.name();
                try {
                    addTree(root, child, prefix.isEmpty() ? d.name() : prefix + "/" + d.name());
                } catch (Native.Errno ignored) {
                    // unreadable or gone: not watched
                }
            }
        } finally {
            Native.close(dfd);
        }
    }

    void start() {
        thread = Thread.ofPlatform().daemon().name("cove-watch").start(this::loop);
    }

    private void loop() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(64 * 1024, 8);
            while (!closed) {
                if (!Sys.pollIn(ifd, 200)) continue;
                int n;
                try {
                    n = Sys.read(ifd, buf, buf.byteSize());
                } catch (Native.Errno e) {
                    if (e.errno == Sys.EAGAIN) continue;
                    throw e;
                }
                int off = 0;
                while (off < n) {
                    int wd = buf.get(ValueLayout.JAVA_INT, off);
                    int mask = buf.get(ValueLayout.JAVA_INT, off + 4);
                    int len = buf.get(ValueLayout.JAVA_INT, off + 12);
                    String name = len > 0 ? buf.getString(off + 16, StandardCharsets.UTF_8) : "";
                    off += 16 + len;
                    handle(wd, mask, name);
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) log.debug("watch of {} ended: {}", base, e.toString());
        } finally {
            Native.close(ifd);
        }
    }

    private void handle(int wd, int mask, String name) {
        if ((mask & Sys.IN_IGNORED) != 0) {
            prefixes.remove(wd);
            return;
        }
        String prefix = prefixes.get(wd);
        if (prefix == null) return;
        String rel = name.isEmpty() ? prefix : prefix.isEmpty() ? name : prefix + "/" + name;
        if ((mask & (Sys.IN_DELETE_SELF | Sys.IN_MOVE_SELF)) != 0 && !prefix.isEmpty()) return; // parent reports it
        FileEvent.Type type;
        if ((mask & (Sys.IN_CREATE | Sys.IN_MOVED_TO)) != 0) type = FileEvent.Type.CREATE;
        else if ((mask & Sys.IN_MODIFY) != 0) type = FileEvent.Type.WRITE;
        else if ((mask & Sys.IN_ATTRIB) != 0) type = FileEvent.Type.CHMOD;
        else if ((mask & (Sys.IN_DELETE | Sys.IN_DELETE_SELF)) != 0) type = FileEvent.Type.REMOVE;
        else if ((mask & (Sys.IN_MOVED_FROM | Sys.IN_MOVE_SELF)) != 0) type = FileEvent.Type.RENAME;
        else return;
        if (recursive && type == FileEvent.Type.CREATE && (mask & Sys.IN_ISDIR) != 0) {
            String clean = base.equals("/") ? "/" + rel : base + "/" + rel;
            try {
                int root = roots.open();
                try {
                    UserThreads.as(user, uidBase, () -> {
                        addTree(root, clean, rel);
                        return null;
                    });
                } finally {
                    Native.close(root);
                }
            } catch (IOException | RuntimeException ignored) {
                // gone again or unreadable
            }
        }
        try {
            events.accept(new FileEvent(rel, type));
        } catch (RuntimeException e) {
            log.debug("watch listener failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        registry.remove(this);
    }
}
