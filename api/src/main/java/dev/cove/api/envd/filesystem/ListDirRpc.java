package dev.cove.api.envd.filesystem;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.Connect;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.EntryInfo;
import dev.cove.api.envd.Messages.ListDirRequest;
import dev.cove.api.envd.Messages.ListDirResponse;
import dev.cove.core.runtime.FileEntry;

import java.util.ArrayList;
import java.util.List;

import static dev.cove.api.envd.filesystem.FilesystemService.info;

/** {@code filesystem.Filesystem/ListDir}: a directory's entries, {@code depth} levels down (1 by default). */
final class ListDirRpc implements AgentRouter.Unary<ListDirRequest, ListDirResponse> {
    private final FilesystemService fs;

    ListDirRpc(FilesystemService fs) { this.fs = fs; }

    @Override
    public ListDirResponse call(EnvdCall call, ListDirRequest req) {
        int depth = req.depth() == null || req.depth() == 0 ? 1 : req.depth();
        if (depth < 0) throw Connect.error("invalid_argument", "depth should be at least one");
        List<EntryInfo> out = new ArrayList<>();
        for (FileEntry e : fs.files(call).list(call.user(), call.absolute(req.path() == null ? "" : req.path()), depth))
            out.add(info(e));
        return new ListDirResponse(out);
    }
}
