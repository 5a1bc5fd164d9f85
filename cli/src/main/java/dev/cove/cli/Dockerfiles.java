package dev.cove.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.templates.ReadyCmd;
import dev.cove.sdk.templates.Template;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Dockerfile subset {@code cove template build} reads: {@code FROM} ({@code base} or an E2B/Debian image:
 * Cove's base; {@code template:<name>}: another template; anything else: an image from its registry), {@code RUN},
 * {@code COPY src dest}, {@code ENV}, {@code WORKDIR}, {@code USER}, and {@code CMD}/{@code ENTRYPOINT} as the start
 * command. Comments, blank lines and {@code \}-continued lines as Docker reads them; anything else is refused with its
 * line number.
 */
final class Dockerfiles {
    private Dockerfiles() {}

    /** A parse failure at a line. */
    static final class Invalid extends IllegalArgumentException {
        Invalid(int line, String message) { super("line " + line + ": " + message); }
    }

    static Template parse(String text, Path context, ReadyCmd ready) {
        Template t = Template.create(context);
        boolean from = false;
        List<String[]> lines = logicalLines(text);
        for (String[] l : lines) {
            int no = Integer.parseInt(l[0]);
            String line = l[1];
            int sp = line.indexOf(' ');
            String op = (sp < 0 ? line : line.substring(0, sp)).toUpperCase();
            String rest = sp < 0 ? "" : line.substring(sp + 1).strip();
            if (!from && !op.equals("FROM")) throw new Invalid(no, "the first instruction must be FROM");
            switch (op) {
                case "FROM" -> {
                    if (from) throw new Invalid(no, "one FROM only (no multi-stage builds)");
                    from = true;
                    if (rest.isEmpty()) throw new Invalid(no, "FROM needs an image");
                    if (rest.equals("base") || rest.startsWith("e2bdev/base") || rest.startsWith("debian")) t.fromBaseImage();
                    else if (rest.startsWith("template:")) t.fromTemplate(rest.substring("template:".length()));
                    else t.fromImage(rest);
                }
                case "RUN" -> t.runCmd(command(no, rest));
                case "COPY" -> {
                    String[] parts = rest.split("\\s+");
                    if (parts.length != 2 || parts[0].startsWith("--"))
                        throw new Invalid(no, "COPY takes one source and one destination");
                    t.copy(parts[0], parts[1]);
                }
                case "ENV" -> t.setEnvs(env(no, rest));
                case "WORKDIR" -> t.setWorkdir(rest);
                case "USER" -> t.setUser(rest);
                case "CMD", "ENTRYPOINT" -> t.setStartCmd(command(no, rest), ready);
                default -> throw new Invalid(no, op + " is not part of the subset Cove builds (FROM, RUN, COPY, ENV,"
                        + " WORKDIR, USER, CMD, ENTRYPOINT)");
            }
        }
        if (!from) throw new Invalid(1, "no FROM");
        return t;
    }

    /** Shell form as is; exec form (a JSON array) joined into a shell command. */
    private static String command(int no, String rest) {
        if (!rest.startsWith("[")) return rest;
        try {
            JsonNode a = Output.JSON.readTree(rest);
            List<String> words = new ArrayList<>();
            for (JsonNode w : a) words.add("'" + w.asText().replace("'", "'\\''") + "'");
            return String.join(" ", words);
        } catch (Exception e) {
            throw new Invalid(no, "not a JSON array: " + rest);
        }
    }

    private static Map<String, String> env(int no, String rest) {
        Map<String, String> env = new LinkedHashMap<>();
        if (!rest.contains("=")) {
            String[] kv = rest.split("\\s+", 2);
            if (kv.length != 2) throw new Invalid(no, "ENV needs a name and a value");
            env.put(kv[0], kv[1]);
            return env;
        }
        for (String pair : rest.split("\\s+")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) throw new Invalid(no, "ENV expects NAME=value pairs: " + pair);
            String v = pair.substring(eq + 1);
            if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\""))) v = v.substring(1, v.length() - 1);
            env.put(pair.substring(0, eq), v);
        }
        return env;
    }

    /** [line number, text] of each instruction, continuations joined, comments and blank lines dropped. */
    private static List<String[]> logicalLines(String text) {
        List<String[]> out = new ArrayList<>();
        StringBuilder cur = null;
        int start = 0;
        String[] raw = text.split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String line = raw[i].stripTrailing();
            if (cur == null && (line.isBlank() || line.strip().startsWith("#"))) continue;
            if (cur == null) {
                cur = new StringBuilder();
                start = i + 1;
            }
            if (line.endsWith("\\")) {
                cur.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            cur.append(line);
            out.add(new String[] {Integer.toString(start), cur.toString().strip()});
            cur = null;
        }
        if (cur != null) out.add(new String[] {Integer.toString(start), cur.toString().strip()});
        return out;
    }
}
