package dev.cove.api.snapshots;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.cove.api.Json;
import dev.cove.api.http.PageLimit;
import dev.cove.api.http.Responses;
import dev.cove.api.store.SnapshotRecord;
import dev.cove.core.CoveException;
import dev.cove.core.SandboxId;
import io.helidon.common.parameters.Parameters;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * {@code GET /snapshots?sandboxID=&name=&limit=&nextToken=}: {@code [SnapshotInfo]}, newest first; {@code name}
 * matches a snapshot's id or name ({@code :default} allowed); {@code limit} 1..100 (default 100); the opaque
 * {@code X-Next-Token} header when there is a next page.
 */
final class ListSnapshotsHandler implements Handler {
    static final int MAX_LIMIT = 100;
    private final SnapshotService snapshots;

    ListSnapshotsHandler(SnapshotService snapshots) { this.snapshots = snapshots; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        Parameters q = req.query();
        String sandboxId = q.first("sandboxID").filter(s -> !s.isBlank()).map(SandboxId::parse).orElse(null);
        String name = q.first("name").filter(s -> !s.isBlank()).orElse(null);
        int limit = PageLimit.parse(q.first("limit").orElse(null), MAX_LIMIT);
        SnapshotService.Cursor cursor = decode(q.first("nextToken").orElse(null));
        List<SnapshotRecord> rows = snapshots.page(sandboxId, name, cursor, limit + 1);
        List<SnapshotRecord> page = rows.size() > limit ? rows.subList(0, limit) : rows;
        if (rows.size() > limit) res.header("X-Next-Token", encode(page.getLast()));
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (SnapshotRecord s : page) out.add(SnapshotViews.info(s));
        SnapshotViews.contentsHeader(res);
        Responses.json(res, 200, out);
    }

    /** base64url of {@code <created millis>__<id>}. */
    static String encode(SnapshotRecord s) {
        String raw = s.createdAt().toEpochMilli() + "__" + s.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static SnapshotService.Cursor decode(String token) {
        if (token == null || token.isBlank()) return null;
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token.strip()), StandardCharsets.UTF_8);
            String[] parts = raw.split("__", -1);
            if (parts.length != 2 || parts[1].isEmpty()) throw invalid();
            return new SnapshotService.Cursor(Long.parseLong(parts[0]), parts[1]);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
    }

    private static CoveException invalid() { return CoveException.badRequest("Invalid next token"); }
}
