package dev.cove.sdk.templates;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.internal.Envd;
import dev.cove.sdk.internal.Json;
import dev.cove.sdk.internal.Transport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Builds, lists and deletes templates (E2B's build API, as the JavaScript SDK calls it). */
public final class Templates {
    private static final Duration POLL = Duration.ofMillis(300);

    private Templates() {}

    /** What a finished build made. */
    public record Built(String templateId, String buildId, String name) {}

    /**
     * Builds {@code template} as {@code name} (made if new): uploads each {@code copy} context the server lacks, starts
     * the build and hands each log line to {@code onLog} until it ends.
     *
     * @throws CoveException code {@code build_failed} with the server's reason (the step, its command, exit code and
     *                       output) when the build fails
     */
    public static Built build(Template template, String name, Consumer<String> onLog, CoveConfig config) {
        Transport t = Transport.of(config);
        Consumer<String> log = onLog == null ? line -> { } : onLog;
        JsonNode requested = t.api("POST", "/v3/templates", Json.object().put("name", name)).body;
        String templateId = Json.text(requested, "templateID");
        String buildId = Json.text(requested, "buildID");
        Map<Integer, String> hashes = new HashMap<>();
        for (Template.Copy c : template.copies()) {
            try {
                String hash = ContextArchive.hash(template.context(), c.src(), c.dest());
                hashes.put(c.index(), hash);
                JsonNode link = t.api("GET", "/templates/" + Envd.enc(templateId) + "/files/" + hash, null).body;
                if (Json.bool(link, "present")) {
                    log.accept("Skipping upload of '" + c.src() + "', already cached");
                    continue;
                }
                byte[] tar = ContextArchive.tarGz(template.context(), c.src());
                HttpResponse<String> put = t.send(HttpRequest.newBuilder(URI.create(Json.text(link, "url")))
                        .timeout(Duration.ofMinutes(10)).PUT(HttpRequest.BodyPublishers.ofByteArray(tar)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (put.statusCode() / 100 != 2)
                    throw new CoveException(put.statusCode(), "upload_failed", "uploading '" + c.src() + "' failed: "
                            + put.body());
                log.accept("Uploaded '" + c.src() + "'");
            } catch (IOException e) {
                throw new CoveException(0, "invalid_argument", "copy " + c.src() + ": " + e.getMessage(), e);
            }
        }
        t.api("POST", "/v2/templates/" + Envd.enc(templateId) + "/builds/" + Envd.enc(buildId), template.body(hashes));
        int offset = 0;
        while (true) {
            JsonNode s = t.api("GET", "/templates/" + Envd.enc(templateId) + "/builds/" + Envd.enc(buildId)
                    + "/status?logsOffset=" + offset, null).body;
            JsonNode entries = s.path("logEntries");
            for (JsonNode e : entries) log.accept(Json.text(e, "message"));
            offset += entries.size();
            String status = Json.text(s, "status");
            if (entries.isEmpty() && "ready".equals(status)) return new Built(templateId, buildId, name);
            if (entries.isEmpty() && "error".equals(status))
                throw new CoveException(0, "build_failed", s.path("reason").path("message").asText("the build failed"));
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CoveException(0, "interrupted", "interrupted while waiting for build " + buildId, e);
            }
        }
    }

    public static List<TemplateInfo> list(CoveConfig config) {
        JsonNode body = Transport.of(config).api("GET", "/templates", null).body;
        List<TemplateInfo> out = new ArrayList<>();
        if (body != null && body.isArray())
            for (JsonNode n : body)
                out.add(new TemplateInfo(Json.text(n, "templateID"), n.path("names").path(0).asText(null),
                        Json.text(n, "buildStatus"), Json.integer(n, "buildCount", 0), Json.int64(n, "layersBytes"),
                        Json.instant(n, "createdAt")));
        return out;
    }

    /** Deletes a template by name or id; {@code NotFoundException} when there is none, 409 while a sandbox uses it. */
    public static void delete(String nameOrId, CoveConfig config) {
        Transport.of(config).api("DELETE", "/templates/" + Envd.enc(nameOrId), null);
    }
}
