package dev.cove.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.internal.Envd;
import dev.cove.sdk.internal.Transport;

import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;

/**
 * Pages of {@link Sandbox#list(SandboxQuery)}, fetched one request at a time as E2B's paginator does:
 * <pre>{@code
 * SandboxPaginator pages = Sandbox.list(query);
 * while (pages.hasNext()) for (SandboxInfo s : pages.nextItems()) ...
 * }</pre>
 */
public final class SandboxPaginator {
    private final Transport transport;
    private final SandboxQuery query;
    private String nextToken;
    private boolean started;

    SandboxPaginator(Transport transport, SandboxQuery query, String nextToken) {
        this.transport = transport;
        this.query = query;
        this.nextToken = nextToken;
    }

    /** True before the first page and while the server announced another one ({@code X-Next-Token}). */
    public boolean hasNext() { return !started || nextToken != null; }

    /** The cursor of the next page, or null; a later {@code Sandbox.list(query, token, config)} can resume from it. */
    public String nextToken() { return nextToken; }

    /** Fetches the next page. */
    public List<SandboxInfo> nextItems() {
        if (!hasNext()) throw new NoSuchElementException("no more pages");
        Transport.ApiResponse r = transport.api("GET", "/v2/sandboxes" + queryString(), null);
        started = true;
        nextToken = r.headers.firstValue("X-Next-Token").filter(t -> !t.isEmpty()).orElse(null);
        List<SandboxInfo> items = new ArrayList<>();
        for (JsonNode n : r.body) items.add(SandboxInfo.of(n));
        return items;
    }

    /** Every remaining page, concatenated. */
    public List<SandboxInfo> all() {
        List<SandboxInfo> all = new ArrayList<>();
        while (hasNext()) all.addAll(nextItems());
        return all;
    }

    private String queryString() {
        StringBuilder q = new StringBuilder("?limit=").append(query.limit());
        if (!query.metadata().isEmpty()) {
            // E2B's encoding: each key and value URL-encoded, joined k=v&k2=v2, and that string encoded again.
            String pairs = query.metadata().entrySet().stream()
                    .map((Map.Entry<String, String> e) -> Envd.enc(e.getKey()) + "=" + Envd.enc(e.getValue()))
                    .collect(Collectors.joining("&"));
            q.append("&metadata=").append(Envd.enc(pairs));
        }
        q.append("&state=").append(query.states().stream().map(SandboxState::wire).collect(Collectors.joining(",")));
        if (query.template() != null) q.append("&template=").append(Envd.enc(query.template()));
        if (query.startedAfter() != null) {
            q.append("&startedAfter=").append(Envd.enc(DateTimeFormatter.ISO_INSTANT.format(query.startedAfter())));
        }
        if (query.ascending()) q.append("&order=asc");
        if (nextToken != null) q.append("&nextToken=").append(Envd.enc(nextToken));
        return q.toString();
    }
}
