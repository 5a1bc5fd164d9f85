package dev.cove.api.envd.filesystem;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.Empty;
import dev.cove.api.envd.Messages.PathRequest;

import static dev.cove.api.envd.filesystem.FilesystemService.required;

/** {@code filesystem.Filesystem/Remove}: a file, or a directory with what it holds. */
final class RemoveRpc implements AgentRouter.Unary<PathRequest, Empty> {
    private final FilesystemService fs;

    RemoveRpc(FilesystemService fs) { this.fs = fs; }

    @Override
    public Empty call(EnvdCall call, PathRequest req) {
        fs.files(call).remove(call.user(), call.absolute(required(req.path(), "path")));
        return new Empty();
    }
}
