package dev.cove.api.envd.filesystem;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.Connect;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.EntryInfo;
import dev.cove.api.envd.Messages.EventType;
import dev.cove.api.envd.Messages.FileType;
import dev.cove.api.envd.Messages.FilesystemEvent;
import dev.cove.api.envd.Messages.ListDirRequest;
import dev.cove.api.envd.Messages.MoveRequest;
import dev.cove.api.envd.Messages.PathRequest;
import dev.cove.api.envd.Messages.WatchDirRequest;
import dev.cove.api.envd.Messages.WatcherRequest;
import dev.cove.core.CoveException;
import dev.cove.core.runtime.FileEntry;
import dev.cove.core.runtime.FileEvent;
import dev.cove.core.runtime.SandboxFiles;
import dev.cove.core.runtime.SandboxRuntime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * E2B's {@code filesystem.Filesystem} service (one RPC per class beside it): entries and watches inside a sandbox
 * through {@link SandboxFiles}, and the polled watchers of Python's sync SDK.
 */
public final class FilesystemService {
    private static final int MAX_POLLED_EVENTS = 10_000;

    final SandboxRuntime runtime;
    final Map<String, Watcher> watchers = new ConcurrentHashMap<>();

    public FilesystemService(SandboxRuntime runtime) { this.runtime = runtime; }

    public void register(AgentRouter router) {
        router.unary("/filesystem.Filesystem/Stat", PathRequest.class, new StatRpc(this));
        router.unary("/filesystem.Filesystem/MakeDir", PathRequest.class, new MakeDirRpc(this));
        router.unary("/filesystem.Filesystem/Move", MoveRequest.class, new MoveRpc(this));
        router.unary("/filesystem.Filesystem/ListDir", ListDirRequest.class, new ListDirRpc(this));
        router.unary("/filesystem.Filesystem/Remove", PathRequest.class, new RemoveRpc(this));
        router.stream("/filesystem.Filesystem/WatchDir", WatchDirRequest.class, new WatchDirRpc(this));
        router.unary("/filesystem.Filesystem/CreateWatcher", WatchDirRequest.class, new CreateWatcherRpc(this));
        router.unary("/filesystem.Filesystem/GetWatcherEvents", WatcherRequest.class, new GetWatcherEventsRpc(this));
        router.unary("/filesystem.Filesystem/RemoveWatcher", WatcherRequest.class, new RemoveWatcherRpc(this));
    }

    SandboxFiles files(EnvdCall call) { return runtime.files(call.sandboxId()); }

    static EntryInfo info(FileEntry e) {
        FileType type = switch (e.type()) {
            case FILE -> FileType.FILE_TYPE_FILE;
            case DIRECTORY -> FileType.FILE_TYPE_DIRECTORY;
            case SYMLINK -> FileType.FILE_TYPE_SYMLINK;
            case OTHER -> null;
        };
        return new EntryInfo(e.name(), type, e.path(), e.size(), e.mode(), e.permissions(), e.owner(), e.group(),
                e.modified() == null ? null : e.modified().toString(), e.symlinkTarget(),
                e.metadata().isEmpty() ? null : e.metadata());
    }

    static String required(String path, String field) {
        if (path == null || path.isEmpty()) throw Connect.error("invalid_argument", field + " is required");
        return path;
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

    FilesystemEvent event(EnvdCall call, String dir, boolean includeEntry, FileEvent e) {
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

    /** A watcher polled with GetWatcherEvents (Python's sync SDK). */
    static final class Watcher {
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

    Watcher watcher(EnvdCall call, WatcherRequest req) {
        Watcher w = req.watcherId() == null ? null : watchers.get(req.watcherId());
        if (w == null || !w.sandboxId.equals(call.sandboxId()))
            throw Connect.error("not_found", "watcher with id " + req.watcherId() + " not found");
        return w;
    }

    /** Stops the polled watchers of a sandbox that ended. */
    public void forget(String sandboxId) {
        watchers.entrySet().removeIf(e -> {
            if (!e.getValue().sandboxId.equals(sandboxId)) return false;
            e.getValue().watch.close();
            return true;
        });
    }
}
