package dev.cove.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.SandboxInfo;
import dev.cove.sdk.ports.ExposedPort;
import dev.cove.sdk.ports.ListeningPort;
import dev.cove.sdk.ports.ShareLink;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Tables for people, JSON (E2B's field names) for scripts. */
final class Output {
    static final ObjectMapper JSON = new ObjectMapper(ControlCharacters.jsonFactory()).enable(SerializationFeature.INDENT_OUTPUT);

    private Output() {}

    static void json(PrintStream out, JsonNode node) {
        try {
            out.println(JSON.writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode object() { return JSON.createObjectNode(); }

    /** A line for standard error: {@code cove: <message>}, its control characters visible. */
    static String problem(String message) { return "cove: " + ControlCharacters.visible(message); }

    /** A sandbox as E2B's API spells it ({@code ListedSandbox} / {@code SandboxDetail} fields). */
    static ObjectNode sandbox(SandboxInfo s) {
        ObjectNode n = object();
        n.put("sandboxID", s.sandboxId());
        n.put("templateID", s.templateId());
        if (s.alias() != null) n.put("alias", s.alias());
        n.put("state", s.state().wire());
        n.put("startedAt", time(s.startedAt()));
        n.put("endAt", time(s.endAt()));
        n.put("cpuCount", s.cpuCount());
        n.put("memoryMB", s.memoryMB());
        n.put("diskSizeMB", s.diskSizeMB());
        ObjectNode md = n.putObject("metadata");
        s.metadata().forEach(md::put);
        n.put("envdVersion", s.envdVersion());
        if (s.domain() != null) n.put("domain", s.domain());
        return n;
    }

    /** A listener as {@code GET /sandboxes/{id}/ports} spells it. */
    static ObjectNode listening(ListeningPort p) {
        ObjectNode n = object();
        n.put("port", p.port());
        n.put("address", p.address());
        n.put("family", p.family());
        if (p.pid() != null) n.put("pid", p.pid()); else n.putNull("pid");
        n.put("command", p.command());
        n.put("reachable", p.reachable());
        return n;
    }

    /** An exposed port as the API spells it; {@code token} and {@code link} only where the server gave them. */
    static ObjectNode exposed(ExposedPort e) {
        ObjectNode n = object();
        n.put("port", e.port());
        n.put("access", e.policy() == null ? null : e.policy().wire());
        n.put("url", e.url());
        n.put("state", e.state());
        n.put("exposedUntil", time(e.exposedUntil()));
        n.put("expiresAt", time(e.expiresAt()));
        if (e.token() != null) n.put("token", e.token());
        if (e.link() != null) n.set("link", link(e.link()));
        ArrayNode links = n.putArray("links");
        e.links().forEach(l -> links.add(link(l)));
        return n;
    }

    /** A share link as the API spells it; {@code url} and {@code token} only right after it was made. */
    static ObjectNode link(ShareLink l) {
        ObjectNode n = object();
        n.put("id", l.id());
        n.put("port", l.port());
        if (l.url() != null) n.put("url", l.url());
        if (l.token() != null) n.put("token", l.token());
        n.put("createdAt", time(l.createdAt()));
        n.put("expiresAt", time(l.expiresAt()));
        n.put("lifetime", l.lifetime());
        n.put("revoked", l.revoked());
        return n;
    }

    /** {@code 2026-11-26T16:00:00Z (in 9m58s)}, or {@code -}. */
    static String timeAndIn(Instant t) { return t == null ? "-" : time(t) + " (in " + endsIn(t) + ")"; }

    static String time(Instant t) { return t == null ? null : DateTimeFormatter.ISO_INSTANT.format(t); }

    static String metadata(SandboxInfo s) {
        return s.metadata().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    static String endsIn(Instant endAt) {
        if (endAt == null) return "-";
        Duration left = Duration.between(Instant.now(), endAt);
        return left.isNegative() ? "ending" : Durations.human(left);
    }

    /** A plain-text table: a header row in capitals, columns padded to the widest cell, control characters visible. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();
        private final int columns;

        Table(String... header) {
            columns = header.length;
            rows.add(header);
        }

        Table row(Object... cells) {
            String[] r = new String[columns];
            for (int i = 0; i < columns; i++)
                r[i] = i < cells.length && cells[i] != null ? ControlCharacters.visible(cells[i].toString()) : "";
            rows.add(r);
            return this;
        }

        int size() { return rows.size() - 1; }

        void print(PrintStream out) {
            int[] w = new int[columns];
            for (String[] r : rows) for (int i = 0; i < columns; i++) w[i] = Math.max(w[i], r[i].length());
            for (String[] r : rows) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < columns; i++) {
                    sb.append(r[i]);
                    if (i < columns - 1) sb.append(" ".repeat(w[i] - r[i].length() + 3));
                }
                out.println(sb.toString().stripTrailing());
            }
        }
    }

    /** Key/value lines for one object, control characters visible. */
    static void details(PrintStream out, String[][] pairs) {
        int w = 0;
        for (String[] p : pairs) w = Math.max(w, p[0].length());
        for (String[] p : pairs) out.println(p[0] + ":" + " ".repeat(w - p[0].length() + 2) + (p[1] == null ? "-" : ControlCharacters.visible(p[1])));
    }
}
