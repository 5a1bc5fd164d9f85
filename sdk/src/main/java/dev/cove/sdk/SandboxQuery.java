package dev.cove.sdk;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which sandboxes {@link Sandbox#list(SandboxQuery)} returns: all metadata pairs must match; states default to
 * running and paused; pages hold {@link #limit()} items (1..100, default 100).
 * <pre>{@code
 * SandboxQuery.builder().metadata("app", "demo").state(SandboxState.RUNNING).limit(10).build()
 * }</pre>
 */
public final class SandboxQuery {
    private final Map<String, String> metadata;
    private final Set<SandboxState> states;
    private final int limit;
    private final String template;
    private final Instant startedAfter;
    private final boolean ascending;

    private SandboxQuery(Builder b) {
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(b.metadata));
        this.states = b.states.isEmpty() ? EnumSet.allOf(SandboxState.class) : EnumSet.copyOf(b.states);
        this.limit = b.limit;
        this.template = b.template;
        this.startedAfter = b.startedAfter;
        this.ascending = b.ascending;
    }

    public static Builder builder() { return new Builder(); }

    /** Every live sandbox, newest first, 100 per page. */
    public static SandboxQuery all() { return builder().build(); }

    public Map<String, String> metadata() { return metadata; }

    public Set<SandboxState> states() { return Collections.unmodifiableSet(states); }

    public int limit() { return limit; }

    public String template() { return template; }

    public Instant startedAfter() { return startedAfter; }

    public boolean ascending() { return ascending; }

    public static final class Builder {
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private final List<SandboxState> states = new ArrayList<>();
        private int limit = 100;
        private String template;
        private Instant startedAfter;
        private boolean ascending;

        private Builder() {}

        public Builder metadata(String key, String value) { metadata.put(key, value); return this; }

        public Builder metadata(Map<String, String> pairs) { metadata.putAll(pairs); return this; }

        public Builder state(SandboxState... states) { this.states.addAll(List.of(states)); return this; }

        /** Page size, 1..100. */
        public Builder limit(int limit) {
            if (limit < 1 || limit > 100) throw new IllegalArgumentException("limit must be between 1 and 100, got " + limit);
            this.limit = limit;
            return this;
        }

        public Builder template(String template) { this.template = template; return this; }

        public Builder startedAfter(Instant startedAfter) { this.startedAfter = startedAfter; return this; }

        /** Oldest first instead of newest first. */
        public Builder oldestFirst() { this.ascending = true; return this; }

        public SandboxQuery build() { return new SandboxQuery(this); }
    }
}
