package dev.cove.api.sandboxes;

import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /sandboxes} (deprecated in E2B, used by older SDKs): every running sandbox, optionally filtered by
 * {@code metadata}, newest first, as {@code [ListedSandbox]}.
 */
public final class ListSandboxesHandler implements Handler {
    private final SandboxService sandboxes;

    public ListSandboxesHandler(SandboxService sandboxes) { this.sandboxes = sandboxes; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        MetadataFilter filter = MetadataFilter.parse(req.query().all("metadata", List::of));
        List<SandboxRecord> running = sandboxes.listLive().stream()
                .filter(r -> r.state() == SandboxState.RUNNING)
                .filter(r -> filter.matches(r.metadata()))
                .sorted(Comparator.comparing(SandboxRecord::startedAt).thenComparing(SandboxRecord::id).reversed())
                .toList();
        Responses.json(res, 200, SandboxViews.listedArray(running));
    }
}
