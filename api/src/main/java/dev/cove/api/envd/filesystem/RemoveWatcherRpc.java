package dev.cove.api.envd.filesystem;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.Empty;
import dev.cove.api.envd.Messages.WatcherRequest;

/** {@code filesystem.Filesystem/RemoveWatcher}: stops a polled watcher. */
final class RemoveWatcherRpc implements AgentRouter.Unary<WatcherRequest, Empty> {
    private final FilesystemService fs;

    RemoveWatcherRpc(FilesystemService fs) { this.fs = fs; }

    @Override
    public Empty call(EnvdCall call, WatcherRequest req) {
        FilesystemService.Watcher w = fs.watcher(call, req);
        fs.watchers.remove(req.watcherId());
        w.watch.close();
        return new Empty();
    }
}
