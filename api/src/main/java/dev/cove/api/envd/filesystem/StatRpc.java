package dev.cove.api.envd.filesystem;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.EntryResponse;
import dev.cove.api.envd.Messages.PathRequest;

import static dev.cove.api.envd.filesystem.FilesystemService.info;
import static dev.cove.api.envd.filesystem.FilesystemService.required;

/** {@code filesystem.Filesystem/Stat}: one entry. */
final class StatRpc implements AgentRouter.Unary<PathRequest, EntryResponse> {
    private final FilesystemService fs;

    StatRpc(FilesystemService fs) { this.fs = fs; }

    @Override
    public EntryResponse call(EnvdCall call, PathRequest req) {
        return new EntryResponse(info(fs.files(call).stat(call.user(), call.absolute(required(req.path(), "path")))));
    }
}
