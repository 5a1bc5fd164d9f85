package dev.cove.api.envd.filesystem;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.CreateWatcherResponse;
import dev.cove.api.envd.Messages.WatchDirRequest;

import java.security.SecureRandom;
import java.util.HexFormat;

import static dev.cove.api.envd.filesystem.FilesystemService.required;

/** {@code filesystem.Filesystem/CreateWatcher}: starts a watcher whose events are polled (Python's sync SDK). */
final class CreateWatcherRpc implements AgentRouter.Unary<WatchDirRequest, CreateWatcherResponse> {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final FilesystemService fs;

    CreateWatcherRpc(FilesystemService fs) { this.fs = fs; }

    @Override
    public CreateWatcherResponse call(EnvdCall call, WatchDirRequest req) {
        String dir = call.absolute(required(req.path(), "path"));
        FilesystemService.Watcher w = new FilesystemService.Watcher(call, dir, req.includeEntry());
        w.watch = fs.files(call).watch(call.user(), dir, req.recursive(), w::add);
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        String watcherId = HexFormat.of().formatHex(id);
        fs.watchers.put(watcherId, w);
        return new CreateWatcherResponse(watcherId);
    }
}
