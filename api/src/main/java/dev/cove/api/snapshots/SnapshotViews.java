package dev.cove.api.snapshots;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.Json;
import dev.cove.api.store.SnapshotRecord;
import io.helidon.webserver.http.ServerResponse;

/**
 * E2B's {@code SnapshotInfo} ({@code snapshotID}, {@code names}) plus what Cove's snapshots carry, in a field and a
 * header the SDK ignores. The id a client uses is the name when there is one (E2B does the same), else the id.
 */
final class SnapshotViews {
    private SnapshotViews() {}

    static ObjectNode info(SnapshotRecord s) {
        ObjectNode n = Json.object();
        n.put("snapshotID", s.name() != null ? s.name() : s.id());
        ArrayNode names = n.putArray("names");
        if (s.name() != null) names.add(s.name());
        n.put("contents", SnapshotService.CONTENTS);
        return n;
    }

    /** Says, on every answer about snapshots and forks, that processes and memory are not carried. */
    static void contentsHeader(ServerResponse res) {
        res.header(SnapshotService.CONTENTS_HEADER, SnapshotService.CONTENTS_NOTE);
    }
}
