package dev.cove.api.sandboxes;

import dev.cove.api.http.PageLimit;
import dev.cove.api.http.Responses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import dev.cove.core.CoveException;
import io.helidon.common.uri.UriQuery;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code GET /v2/sandboxes}: running and/or paused sandboxes ({@code state=running,paused}, default both),
 * filtered by {@code metadata}, {@code template} and {@code startedAfter}, ordered by start time
 * ({@code order=desc} default), {@code limit} per page (default and max 100), paged with the opaque
 * {@code nextToken} cursor. Headers: {@code X-Next-Token} when there is a next page, {@code X-Total-Running} =
 * running sandboxes matching the filters (all pages).
 */
public final class ListSandboxesV2Handler implements Handler {
    static final int MAX_LIMIT = 100;
    private static final Comparator<SandboxRecord> ASC =
            Comparator.comparing(SandboxRecord::startedAt).thenComparing(SandboxRecord::id);

    private final SandboxService sandboxes;

    public ListSandboxesV2Handler(SandboxService sandboxes) { this.sandboxes = sandboxes; }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        UriQuery q = req.query();
        Set<SandboxState> states = states(q.all("state", List::of));
        MetadataFilter metadata = MetadataFilter.parse(q.all("metadata", List::of));
        boolean ascending = ascending(q.first("order").orElse(null));
        int limit = PageLimit.parse(q.first("limit").orElse(null), MAX_LIMIT);
        String template = q.first("template").map(String::strip).filter(s -> !s.isEmpty()).orElse(null);
        Instant startedAfter = startedAfter(q.first("startedAfter").orElse(null));
        Cursor cursor = Cursor.decode(q.first("nextToken").orElse(null), ascending);

        List<SandboxRecord> matching = sandboxes.listLive().stream()
                .filter(r -> states.contains(r.state()))
                .filter(r -> metadata.matches(r.metadata()))
                .filter(r -> template == null || template.equals(r.templateId()) || template.equals(r.alias()))
                // "started at or after" (E2B's OpenAPI): a sandbox's own startedAt finds it
                .filter(r -> startedAfter == null || !r.startedAt().isBefore(startedAfter))
                .sorted(ascending ? ASC : ASC.reversed())
                .toList();
        if (states.contains(SandboxState.RUNNING)) {
            long running = matching.stream().filter(r -> r.state() == SandboxState.RUNNING).count();
            res.header("X-Total-Running", Long.toString(running));
        }
        List<SandboxRecord> after = cursor == null ? matching
                : matching.stream().filter(r -> cursor.isBefore(r, ascending)).toList();
        List<SandboxRecord> page = after.size() > limit ? after.subList(0, limit) : after;
        if (after.size() > limit) {
            res.header("X-Next-Token", Cursor.of(page.getLast(), ascending).encode());
        }
        Responses.json(res, 200, SandboxViews.listedArray(page));
    }

    private static Set<SandboxState> states(List<String> values) {
        Set<SandboxState> states = EnumSet.noneOf(SandboxState.class);
        for (String value : values) {
            for (String part : value.split(",")) {
                String s = part.strip().toLowerCase(Locale.ROOT);
                if (s.isEmpty()) continue;
                switch (s) {
                    case "running" -> states.add(SandboxState.RUNNING);
                    case "paused" -> states.add(SandboxState.PAUSED);
                    default -> throw CoveException.badRequest("Error when parsing request: invalid state '" + part.strip()
                            + "'; use running, paused or both (state=running,paused)");
                }
            }
        }
        return states.isEmpty() ? EnumSet.of(SandboxState.RUNNING, SandboxState.PAUSED) : states;
    }

    private static boolean ascending(String order) {
        if (order == null || order.isBlank()) return false;
        return switch (order.strip().toLowerCase(Locale.ROOT)) {
            case "asc" -> true;
            case "desc" -> false;
            default -> throw CoveException.badRequest("Error when parsing request: invalid order '" + order
                    + "'; use asc or desc");
        };
    }

    private static Instant startedAfter(String value) {
        if (value == null || value.isBlank()) return null;
        try {
            return OffsetDateTime.parse(value.strip()).toInstant();
        } catch (DateTimeParseException e) {
            throw CoveException.badRequest("Error when parsing request: startedAfter must be an RFC 3339 time such as "
                    + "2025-01-31T12:00:00Z, got '" + value + "'");
        }
    }

    /**
     * Position after the last item of a page: its start time and id, plus the order it was made for (a token
     * is only valid with the same order). Encoded as base64url of {@code <RFC3339>__<id>__<asc|desc>}.
     */
    record Cursor(Instant startedAt, String id, boolean ascending) {
        static Cursor of(SandboxRecord r, boolean ascending) { return new Cursor(r.startedAt(), r.id(), ascending); }

        String encode() {
            String raw = SandboxViews.rfc3339(startedAt) + "__" + id + "__" + (ascending ? "asc" : "desc");
            return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String token, boolean ascending) {
            if (token == null || token.isBlank()) return null;
            try {
                String raw = new String(Base64.getUrlDecoder().decode(token.strip()), StandardCharsets.UTF_8);
                String[] parts = raw.split("__", -1);
                if (parts.length != 3 || parts[1].isEmpty()) throw invalid();
                boolean tokenAscending = switch (parts[2]) {
                    case "asc" -> true;
                    case "desc" -> false;
                    default -> throw invalid();
                };
                if (tokenAscending != ascending) throw invalid();
                return new Cursor(Instant.parse(parts[0]), parts[1], ascending);
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw invalid();
            }
        }

        /** True when {@code r} comes after this cursor in the list's order. */
        boolean isBefore(SandboxRecord r, boolean asc) {
            int c = ASC.compare(r, probe());
            return asc ? c > 0 : c < 0;
        }

        private SandboxRecord probe() {
            return new SandboxRecord(id, "-", null, null, SandboxState.RUNNING, null, null, 0, 0, 0, startedAt,
                    startedAt, null, null, null, null, false, false, null, null);
        }

        private static CoveException invalid() { return CoveException.badRequest("Invalid next token"); }
    }
}
