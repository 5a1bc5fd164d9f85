package dev.cove.api.envd.filesystem;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.EntryResponse;
import dev.cove.api.envd.Messages.MoveRequest;

import static dev.cove.api.envd.filesystem.FilesystemService.info;
import static dev.cove.api.envd.filesystem.FilesystemService.required;

/** {@code filesystem.Filesystem/Move}: renames an entry. */
final class MoveRpc implements AgentRouter.Unary<MoveRequest, EntryResponse> {
    private final FilesystemService fs;

    MoveRpc(FilesystemService fs) { this.fs = fs; }

    @Override
    public EntryResponse call(EnvdCall call, MoveRequest req) {
        return new EntryResponse(info(fs.files(call).move(call.user(), call.absolute(required(req.source(), "source")),
                call.absolute(required(req.destination(), "destination")))));
    }
}
