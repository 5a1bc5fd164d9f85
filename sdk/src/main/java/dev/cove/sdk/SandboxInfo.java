package dev.cove.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.internal.Json;

import java.time.Instant;
import java.util.Map;

/**
 * What the control plane says about a live sandbox ({@code SandboxDetail} of {@code GET /sandboxes/{id}}, or an
 * item of a list). {@code domain} is null in list items.
 */
public record SandboxInfo(String sandboxId, String templateId, String alias, Instant startedAt, Instant endAt,
                          int cpuCount, int memoryMB, int diskSizeMB, Map<String, String> metadata,
                          SandboxState state, String envdVersion, String domain) {

    static SandboxInfo of(JsonNode n) {
        return new SandboxInfo(Json.text(n, "sandboxID"), Json.text(n, "templateID"), Json.text(n, "alias"),
                Json.instant(n, "startedAt"), Json.instant(n, "endAt"), Json.integer(n, "cpuCount", 0),
                Json.integer(n, "memoryMB", 0), Json.integer(n, "diskSizeMB", 0), Json.stringMap(n, "metadata"),
                SandboxState.of(Json.text(n, "state")), Json.text(n, "envdVersion"), Json.text(n, "domain"));
    }
}
