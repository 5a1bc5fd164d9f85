package dev.cove.api.envd.files;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.Json;
import dev.cove.api.envd.AgentResponses;
import dev.cove.api.envd.EnvdCall;
import dev.cove.core.CoveException;
import dev.cove.core.runtime.FileEntry;
import dev.cove.core.runtime.SandboxFiles;
import dev.cove.core.runtime.SandboxRuntime;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * {@code POST /files} of E2B's envd: multipart ({@code file} parts) or octet-stream (optionally gzip) uploads,
 * streamed to the sandbox's disk. {@code X-Metadata-<key>} headers become every uploaded file's whole metadata
 * ({@link UploadMetadata}).
 */
final class UploadHandler implements FileTransfers.Transfer {
    private final SandboxRuntime runtime;

    UploadHandler(SandboxRuntime runtime) { this.runtime = runtime; }

    @Override
    public void handle(EnvdCall call, ServerRequest req, ServerResponse res, Map<String, String> query) throws IOException {
        String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        SandboxFiles files = runtime.files(call.sandboxId());
        ArrayNode out = Json.MAPPER.createArrayNode();
        String pathParam = query.get("path");
        Map<String, String> metadata;
        try {
            metadata = UploadMetadata.of(req.headers());
        } catch (CoveException e) {
            AgentResponses.error(res, 400, e.getMessage());
            return;
        }
        try {
            if (contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
                String boundary = Multipart.boundary(contentType);
                if (boundary == null) {
                    AgentResponses.error(res, 400, "multipart body without a boundary");
                    return;
                }
                Multipart mp = new Multipart(req.content().inputStream(), boundary);
                Set<String> seen = new HashSet<>();
                Multipart.Part part;
                while ((part = mp.next()) != null) {
                    if (!"file".equals(part.name())) continue;
                    String target = pathParam != null ? pathParam : part.filename();
                    if (target == null || target.isEmpty()) {
                        AgentResponses.error(res, 400, "no path: give ?path= or a filename for each part");
                        return;
                    }
                    String abs = call.absolute(target);
                    if (!seen.add(abs)) {
                        AgentResponses.error(res, 400, "cannot upload to the same path twice: " + abs);
                        return;
                    }
                    out.add(written(files.write(call.user(), abs, part.body(), metadata)));
                }
                if (out.isEmpty()) {
                    AgentResponses.error(res, 400, "the multipart body has no part named 'file'");
                    return;
                }
            } else {
                if (pathParam == null || pathParam.isEmpty()) {
                    AgentResponses.error(res, 400, "path is required for an octet-stream upload");
                    return;
                }
                InputStream body = req.content().inputStream();
                String ce = req.headers().first(HeaderNames.CONTENT_ENCODING).orElse("identity").strip().toLowerCase(Locale.ROOT);
                if (ce.equals("gzip")) body = new GZIPInputStream(body, 64 * 1024);
                else if (!ce.equals("identity") && !ce.isEmpty()) {
                    AgentResponses.error(res, 400, "unsupported Content-Encoding '" + ce + "'");
                    return;
                }
                out.add(written(files.write(call.user(), call.absolute(pathParam), body, metadata)));
            }
        } catch (CoveException e) {
            AgentResponses.error(res, e.status() == 404 ? 400 : e.status(), e.getMessage());
            return;
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(Json.bytes(out));
    }

    private static ObjectNode written(FileEntry e) {
        ObjectNode o = Json.object();
        o.put("path", e.path());
        o.put("name", e.name());
        o.put("type", "file");
        if (!e.metadata().isEmpty()) {
            ObjectNode m = o.putObject("metadata");
            e.metadata().forEach(m::put);
        }
        return o;
    }
}
