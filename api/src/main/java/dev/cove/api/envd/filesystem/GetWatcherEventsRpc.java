package dev.cove.api.envd.filesystem;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.FilesystemEvent;
import dev.cove.api.envd.Messages.GetWatcherEventsResponse;
import dev.cove.api.envd.Messages.WatcherRequest;
import dev.cove.core.runtime.FileEvent;

import java.util.ArrayList;
import java.util.List;

/** {@code filesystem.Filesystem/GetWatcherEvents}: the events a watcher saw since the last poll. */
final class GetWatcherEventsRpc implements AgentRouter.Unary<WatcherRequest, GetWatcherEventsResponse> {
    private final FilesystemService fs;

    GetWatcherEventsRpc(FilesystemService fs) { this.fs = fs; }

    @Override
    public GetWatcherEventsResponse call(EnvdCall call, WatcherRequest req) {
        FilesystemService.Watcher w = fs.watcher(call, req);
        List<FilesystemEvent> out = new ArrayList<>();
        for (FileEvent e : w.drain()) out.add(fs.event(w.call, w.dir, w.includeEntry, e));
        return new GetWatcherEventsResponse(out);
    }
}
