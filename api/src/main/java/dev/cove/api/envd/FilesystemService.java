package dev.cove.api.envd;

import dev.cove.api.envd.Messages.CreateWatcherResponse;
import dev.cove.api.envd.Messages.Empty;
import dev.cove.api.envd.Messages.EntryInfo;
import dev.cove.api.envd.Messages.EntryResponse;
import dev.cove.api.envd.Messages.EventType;
import dev.cove.api.envd.Messages.FileType;
import dev.cove.api.envd.Messages.FilesystemEvent;
import dev.cove.api.envd.Messages.GetWatcherEventsResponse;
import dev.cove.api.envd.Messages.KeepAlive;
import dev.cove.api.envd.Messages.ListDirRequest;
import dev.cove.api.envd.Messages.ListDirResponse;
import dev.cove.api.envd.Messages.MoveRequest;
import dev.cove.api.envd.Messages.PathRequest;
import dev.cove.api.envd.Messages.WatchDirRequest;
import dev.cove.api.envd.Messages.WatchDirResponse;
import dev.cove.api.envd.Messages.WatcherRequest;
import dev.cove.core.CoveException;
import dev.cove.core.runtime.FileEntry;
import dev.cove.core.runtime.FileEvent;
import dev.cove.core.runtime.SandboxFiles;
import dev.cove.core.runtime.SandboxRuntime;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** E2B's {@code filesystem.Filesystem} service. */
final class FilesystemService {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_POLLED_EVENTS = 10_000;

    private final SandboxRuntime runtime;
    private final Map<String, Watcher> watchers = new ConcurrentHashMap<>();

    FilesystemService(SandboxRuntime runtime) { this.runtime = runtime; }

    private SandboxFiles files(EnvdCall call) { return runtime.files(call.sandboxId()); }

    static EntryInfo info(FileEntry e) {
        FileType type = switch (e.type()) {
            case FILE -> FileType.FILE_TYPE_FILE;
            case DIRECTORY -> FileType.FILE_TYPE_DIRECTORY;
            case SYMLINK -> FileType.FILE_TYPE_SYMLINK;
            case OTHER -> null;
        };
        return new EntryInfo(e.name(), type, e.path(), e.size(), e.mode(), e.permissions(), e.owner(), e.group(),
                e.modified() == null ? null : e.modified().toString(), e.symlinkTarget(), null);
    }

    private static String required(String path, String field) {
        if (path == null || path.isEmpty()) throw Connect.error("invalid_argument", field + " is required");
        return path;
    }

    EntryResponse stat(EnvdCall call, PathRequest req) {
        return new EntryResponse(info(files(call).stat(call.user(), call.absolute(required(req.path(), "path")))));
    }

    EntryResponse makeDir(EnvdCall call, PathRequest req) {
        return new EntryResponse(info(files(call).makeDir(call.user(), call.absolute(required(req.path(), "path")))));
    }

    EntryResponse move(EnvdCall call, MoveRequest req) {
        return new EntryResponse(info(files(call).move(call.user(), call.absolute(required(req.source(), "source")),
                call.absolute(required(req.destination(), "destination")))));
    }

    ListDirResponse listDir(EnvdCall call, ListDirRequest req) {
        int depth = req.depth() == null || req.depth() == 0 ? 1 : req.depth();
        if (depth < 0) throw Connect.error("invalid_argument", "depth should be at least one");
        List<EntryInfo> out = new ArrayList<>();
        for (FileEntry e : files(call).list(call.user(), call.absolute(req.path() == null ? "" : req.path()), depth))
            out.add(info(e));
        return new ListDirResponse(out);
    }

    Empty remove(EnvdCall call, PathRequest req) {
        files(call).remove(call.user(), call.absolute(required(req.path(), "path")));
        return new Empty();
    }

    private static EventType type(FileEvent.Type t) {
        return switch (t) {
            case CREATE -> EventType.EVENT_TYPE_CREATE;
            case WRITE -> EventType.EVENT_TYPE_WRITE;
            case REMOVE -> EventType.EVENT_TYPE_REMOVE;
            case RENAME -> EventType.EVENT_TYPE_RENAME;
            case CHMOD -> EventType.EVENT_TYPE_CHMOD;
        };
    }

    private FilesystemEvent event(EnvdCall call, String dir, boolean includeEntry, FileEvent e) {
        EntryInfo entry = null;
        if (includeEntry && e.type() != FileEvent.Type.REMOVE && e.type() != FileEvent.Type.RENAME) {
            try {
                entry = info(files(call).stat(call.user(), dir.endsWith("/") ? dir + e.name() : dir + "/" + e.name()));
            } catch (CoveException gone) {
                // removed again meanwhile
            }
        }
        return new FilesystemEvent(e.name(), type(e.type()), entry);
    }

    /** WatchDir: {@code start}, then events and keepalives until the client leaves or the deadline passes. */
    void watchDir(EnvdCall call, WatchDirRequest req, Connect.Stream stream) throws IOException {
        String dir = call.absolute(required(req.path(), "path"));
        BlockingQueue<FileEvent> queue = new ArrayBlockingQueue<>(4096);
        SandboxFiles.Watch watch = files(call).watch(call.user(), dir, req.recursive(), e -> {
            if (!queue.offer(e)) queue.clear(); // a client that does not read loses events, not memory
        });
        try {
            stream.send(new WatchDirResponse(new Empty(), null, null));
            long deadline = call.timeoutMillis() > 0 ? System.nanoTime() + call.timeoutMillis() * 1_000_000 : Long.MAX_VALUE;
            long nextKeepalive = System.nanoTime() + call.keepaliveMillis() * 1_000_000;
            for (;;) {
                // wake up at least every second: to notice the deadline and a sandbox that ended
                long wait = Math.min(1000, Math.max(1, (nextKeepalive - System.nanoTime()) / 1_000_000));
                if (deadline != Long.MAX_VALUE) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        stream.end(null);
                        return;
                    }
                    wait = Math.min(wait, left);
                }
                FileEvent e;
                try {
                    e = queue.poll(wait, TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    stream.end(Connect.error("canceled", "the server is stopping"));
                    return;
                }
                if (e == null) {
                    if (runtime.get(call.sandboxId()) == null) {
                        stream.end(Connect.error("unavailable", "the sandbox ended"));
                        return;
                    }
                    if (System.nanoTime() >= nextKeepalive) {
                        stream.send(new WatchDirResponse(null, null, new KeepAlive()));
                        nextKeepalive = System.nanoTime() + call.keepaliveMillis() * 1_000_000;
                    }
                    continue;
                }
                stream.send(new WatchDirResponse(null, event(call, dir, req.includeEntry(), e), null));
            }
        } finally {
            watch.close();
        }
    }

    /** A watcher polled with GetWatcherEvents (Python's sync SDK). */
    private final class Watcher {
        final String sandboxId;
        final EnvdCall call;
        final String dir;
        final boolean includeEntry;
        final List<FileEvent> events = new ArrayList<>();
        SandboxFiles.Watch watch;

        Watcher(EnvdCall call, String dir, boolean includeEntry) {
            this.sandboxId = call.sandboxId();
            this.call = call;
            this.dir = dir;
            this.includeEntry = includeEntry;
        }

        synchronized void add(FileEvent e) {
            if (events.size() < MAX_POLLED_EVENTS) events.add(e);
        }

        synchronized List<FileEvent> drain() {
            List<FileEvent> out = List.copyOf(events);
            events.clear();
            return out;
        }
    }

    CreateWatcherResponse createWatcher(EnvdCall call, WatchDirRequest req) {
        String dir = call.absolute(required(req.path(), "path"));
        Watcher w = new Watcher(call, dir, req.includeEntry());
        w.watch = files(call).watch(call.user(), dir, req.recursive(), w::add);
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        String watcherId = HexFormat.of().formatHex(id);
        watchers.put(watcherId, w);
        return new CreateWatcherResponse(watcherId);
    }

    private Watcher watcher(EnvdCall call, WatcherRequest req) {
        Watcher w = req.watcherId() == null ? null : watchers.get(req.watcherId());
        if (w == null || !w.sandboxId.equals(call.sandboxId()))
            throw Connect.error("not_found", "watcher with id " + req.watcherId() + " not found");
        return w;
    }

    GetWatcherEventsResponse getWatcherEvents(EnvdCall call, WatcherRequest req) {
        Watcher w = watcher(call, req);
        List<FilesystemEvent> out = new ArrayList<>();
        for (FileEvent e : w.drain()) out.add(event(w.call, w.dir, w.includeEntry, e));
        return new GetWatcherEventsResponse(out);
    }

    Empty removeWatcher(EnvdCall call, WatcherRequest req) {
        Watcher w = watcher(call, req);
        watchers.remove(req.watcherId());
        w.watch.close();
        return new Empty();
    }

    /** Stops the polled watchers of a sandbox that ended. */
    void forget(String sandboxId) {
        watchers.entrySet().removeIf(e -> {
            if (!e.getValue().sandboxId.equals(sandboxId)) return false;
            e.getValue().watch.close();
            return true;
        });
    }
}
