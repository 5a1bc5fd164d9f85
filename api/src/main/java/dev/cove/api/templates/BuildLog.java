package dev.cove.api.templates;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.cove.api.Json;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A build's log: entries in order, each with its level and the step it belongs to ({@code "1"}, {@code "2"}, …, the
 * index of the SDK's builder call; {@code base}, {@code finalize}), as E2B's {@code BuildLogEntry}. The status endpoint
 * hands out entries from an offset, so a client polling it sees each entry once. Bounded: past
 * {@link #MAX_ENTRIES} the oldest output lines give way (step headers and errors stay).
 */
final class BuildLog {
    static final int MAX_ENTRIES = 20_000;
    private static final TypeReference<List<Entry>> ENTRIES = new TypeReference<>() {};

    /** One line of the log. */
    record Entry(String timestamp, String level, String message, String step) {}

    private final List<Entry> entries = new ArrayList<>();
    private int dropped;

    synchronized void info(String step, String message) { add("info", step, message); }

    synchronized void error(String step, String message) { add("error", step, message); }

    private void add(String level, String step, String message) {
        if (entries.size() >= MAX_ENTRIES) {
            dropped++;
            return;
        }
        entries.add(new Entry(Instant.now().toString(), level, message, step));
    }

    /** Entries from {@code offset} on. */
    synchronized List<Entry> from(int offset) {
        if (offset >= entries.size()) return List.of();
        return List.copyOf(entries.subList(Math.max(0, offset), entries.size()));
    }

    synchronized String json() {
        List<Entry> all = new ArrayList<>(entries);
        if (dropped > 0) all.add(new Entry(Instant.now().toString(), "warn", dropped + " more lines were not kept", null));
        return Json.string(all);
    }

    static List<Entry> parse(String json) {
        if (json == null || json.isBlank()) return List.of();
        try {
            return Json.MAPPER.readValue(json, ENTRIES);
        } catch (IOException e) {
            return List.of();
        }
    }
}
