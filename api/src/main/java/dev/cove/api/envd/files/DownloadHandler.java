package dev.cove.api.envd.files;

import dev.cove.api.envd.AgentResponses;
import dev.cove.api.envd.EnvdCall;
import dev.cove.core.CoveException;
import dev.cove.core.runtime.FileEntry;
import dev.cove.core.runtime.SandboxFiles;
import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.core.text.ControlCharacters;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** {@code GET /files} of E2B's envd: a file of the sandbox, with its content type, gzip and a single Range. */
final class DownloadHandler implements FileTransfers.Transfer {
    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("txt", "text/plain; charset=utf-8"), Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("htm", "text/html; charset=utf-8"), Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"), Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("json", "application/json"), Map.entry("xml", "text/xml; charset=utf-8"),
            Map.entry("csv", "text/csv; charset=utf-8"), Map.entry("md", "text/markdown; charset=utf-8"),
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"), Map.entry("svg", "image/svg+xml"), Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/vnd.microsoft.icon"), Map.entry("pdf", "application/pdf"),
            Map.entry("zip", "application/zip"), Map.entry("gz", "application/gzip"), Map.entry("tar", "application/x-tar"),
            Map.entry("wasm", "application/wasm"), Map.entry("mp4", "video/mp4"), Map.entry("mp3", "audio/mpeg"),
            Map.entry("wav", "audio/wav"), Map.entry("py", "text/x-python; charset=utf-8"),
            Map.entry("sh", "text/x-sh; charset=utf-8"));

    private final SandboxRuntime runtime;

    DownloadHandler(SandboxRuntime runtime) { this.runtime = runtime; }

    @Override
    public void handle(EnvdCall call, ServerRequest req, ServerResponse res, Map<String, String> query) throws IOException {
        String path = call.absolute(query.get("path"));
        SandboxFiles.Reader reader;
        try {
            reader = runtime.files(call.sandboxId()).openRead(call.user(), path);
        } catch (CoveException e) {
            AgentResponses.error(res, e.status(), e.getMessage());
            return;
        }
        try (reader) {
            FileEntry entry = reader.entry();
            long size = entry.size();
            String encoding = encoding(req.headers().first(HeaderNames.ACCEPT_ENCODING).orElse(null));
            if (encoding == null) {
                AgentResponses.error(res, 406, "unsupported Accept-Encoding; this server sends gzip or identity");
                return;
            }
            res.header(HeaderNames.CONTENT_TYPE, contentType(entry.name(), reader));
            res.header("Content-Disposition", "inline; filename=" + quoteIfNeeded(ControlCharacters.visible(entry.name())));
            res.header("Vary", "Accept-Encoding");
            res.header("Accept-Ranges", "bytes");
            if (entry.modified() != null) res.header("Last-Modified", HTTP_DATE.format(entry.modified()));
            String range = req.headers().first(HeaderNames.RANGE).orElse(null);
            if (range != null) {
                long[] r = parseRange(range, size);
                if (r == null) {
                    res.header("Content-Range", "bytes */" + size);
                    AgentResponses.error(res, 416, "invalid range '" + range + "' for a file of " + size + " bytes");
                    return;
                }
                if (r.length == 2) {
                    res.status(Status.PARTIAL_CONTENT_206);
                    res.header("Content-Range", "bytes " + r[0] + "-" + r[1] + "/" + size);
                    res.contentLength(r[1] - r[0] + 1);
                    try (OutputStream out = res.outputStream()) {
                        reader.copyTo(out, r[0], r[1] - r[0] + 1);
                    }
                    return;
                }
            }
            res.status(Status.OK_200);
            if (encoding.equals("gzip") && size > 0) {
                res.header(HeaderNames.CONTENT_ENCODING, "gzip");
                try (OutputStream out = res.outputStream(); GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024)) {
                    reader.copyTo(gz, 0, size);
                }
                return;
            }
            res.contentLength(size);
            if (size == 0) {
                res.send();
                return;
            }
            try (OutputStream out = res.outputStream()) {
                reader.copyTo(out, 0, size);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }

    /** "gzip", "identity", or null when the client accepts neither. */
    static String encoding(String acceptEncoding) {
        if (acceptEncoding == null || acceptEncoding.isBlank()) return "identity";
        boolean identityRefused = false;
        boolean gzip = false;
        boolean any = false;
        for (String part : acceptEncoding.split(",")) {
            String[] f = part.strip().split(";");
            String name = f[0].strip().toLowerCase(Locale.ROOT);
            double q = 1;
            for (int i = 1; i < f.length; i++) {
                String p = f[i].strip();
                if (p.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(p.substring(2));
                    } catch (NumberFormatException ignored) {
                        // keep 1
                    }
                }
            }
            if (name.equals("gzip") && q > 0) gzip = true;
            if (name.equals("*") && q > 0) any = true;
            if ((name.equals("identity") || name.equals("*")) && q == 0) identityRefused = true;
        }
        if (gzip || any) return "gzip";
        return identityRefused ? null : "identity";
    }

    /** {start, end} of a single satisfiable byte range, {} when it should be ignored, null when unsatisfiable. */
    static long[] parseRange(String header, long size) {
        String h = header.strip();
        if (!h.startsWith("bytes=") || h.contains(",")) return new long[0];
        String spec = h.substring(6).strip();
        int dash = spec.indexOf('-');
        if (dash < 0) return null;
        try {
            String a = spec.substring(0, dash).strip();
            String b = spec.substring(dash + 1).strip();
            long start;
            long end;
            if (a.isEmpty()) {
                long suffix = Long.parseLong(b);
                if (suffix <= 0) return null;
                start = Math.max(0, size - suffix);
                end = size - 1;
            } else {
                start = Long.parseLong(a);
                end = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            }
            if (start >= size || start > end || start < 0) return null;
            return new long[] {start, end};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String contentType(String name, SandboxFiles.Reader reader) throws IOException {
        int dot = name.lastIndexOf('.');
        if (dot >= 0) {
            String t = TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
            if (t != null) return t;
        }
        byte[] head = reader.head(512);
        if (head.length == 0) return "text/plain; charset=utf-8";
        for (byte b : head) if (b == 0) return "application/octet-stream";
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        try {
            decoder.decode(ByteBuffer.wrap(head, 0, Math.max(0, head.length - 3)));
            return "text/plain; charset=utf-8";
        } catch (CharacterCodingException e) {
            return "application/octet-stream";
        }
    }

    private static String quoteIfNeeded(String name) {
        for (char c : name.toCharArray())
            if (c <= ' ' || c == '"' || c == ';' || c == ',' || c > 126) return "\"" + name.replace("\"", "\\\"") + "\"";
        return name;
    }
}
