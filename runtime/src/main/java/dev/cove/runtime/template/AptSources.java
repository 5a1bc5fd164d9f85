package dev.cove.runtime.template;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Debian mirror to build templates from, taken from the host's own apt configuration
 * (deb822 {@code *.sources} files and one-line {@code deb} entries), so no mirror host is ever
 * written into Cove itself.
 */
final class AptSources {
    /** One {@code deb} source. {@code signedBy} is a keyring file or null. */
    public record Source(String uri, List<String> suites, List<String> components, String signedBy, Path file) {}

    private static final Set<String> DEBIAN_SUITES = Set.of("stable", "testing", "unstable", "oldstable", "sid",
            "bullseye", "bookworm", "trixie", "forky", "duke");

    private AptSources() {}

    public static List<Source> read(Path aptDir) {
        List<Source> sources = new ArrayList<>();
        Path list = aptDir.resolve("sources.list");
        if (Files.isRegularFile(list)) sources.addAll(parseOneLine(list));
        Path dir = aptDir.resolve("sources.list.d");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.sorted().toList()) {
                    String name = f.getFileName().toString();
                    if (name.endsWith(".sources")) sources.addAll(parseDeb822(f));
                    else if (name.endsWith(".list")) sources.addAll(parseOneLine(f));
                }
            } catch (IOException ignored) {
                // unreadable directory: no sources from it
            }
        }
        return sources;
    }

    /**
     * The source that serves {@code suite} with component main: an exact suite match first, else any
     * Debian archive (one that lists a plain Debian suite name, which excludes -security/-updates and
     * third-party repositories). Null when there is none.
     */
    static Source mirrorFor(List<Source> sources, String suite) {
        for (Source s : sources) if (s.suites().contains(suite) && s.components().contains("main")) return s;
        for (Source s : sources)
            if (s.components().contains("main") && s.suites().stream().anyMatch(DEBIAN_SUITES::contains)) return s;
        return null;
    }

    static List<Source> parseDeb822(Path file) {
        List<Source> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return out;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        String last = null;
        for (String raw : lines) {
            if (raw.startsWith("#")) continue;
            if (raw.isBlank()) {
                addStanza(fields, file, out);
                fields = new LinkedHashMap<>();
                last = null;
                continue;
            }
            if (Character.isWhitespace(raw.charAt(0)) && last != null) {
                fields.put(last, fields.get(last) + "\n" + raw.strip());
                continue;
            }
            int colon = raw.indexOf(':');
            if (colon <= 0) continue;
            last = raw.substring(0, colon).strip().toLowerCase();
            fields.put(last, raw.substring(colon + 1).strip());
        }
        addStanza(fields, file, out);
        return out;
    }

    private static void addStanza(Map<String, String> f, Path file, List<Source> out) {
        if (f.isEmpty()) return;
        if (f.getOrDefault("enabled", "yes").equalsIgnoreCase("no")) return;
        if (!words(f.get("types")).contains("deb")) return;
        String signedBy = f.get("signed-by");
        if (signedBy != null && (signedBy.contains("\n") || !signedBy.startsWith("/"))) signedBy = null;
        for (String uri : words(f.get("uris")))
            out.add(new Source(uri, words(f.get("suites")), words(f.get("components")), signedBy, file));
    }

    static List<Source> parseOneLine(Path file) {
        List<Source> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return out;
        }
        for (String raw : lines) {
            String line = raw.strip();
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash).strip();
            if (!line.startsWith("deb ") && !line.startsWith("deb\t")) continue;
            line = line.substring(3).strip();
            String signedBy = null;
            if (line.startsWith("[")) {
                int close = line.indexOf(']');
                if (close < 0) continue;
                for (String opt : line.substring(1, close).strip().split("\\s+"))
                    if (opt.startsWith("signed-by=")) signedBy = opt.substring("signed-by=".length());
                line = line.substring(close + 1).strip();
            }
            List<String> w = words(line);
            if (w.size() < 2) continue;
            out.add(new Source(w.get(0), List.of(w.get(1)), w.subList(2, w.size()), signedBy, file));
        }
        return out;
    }

    private static List<String> words(String s) {
        if (s == null || s.isBlank()) return List.of();
        return List.copyOf(Arrays.asList(s.strip().split("\\s+")));
    }
}
