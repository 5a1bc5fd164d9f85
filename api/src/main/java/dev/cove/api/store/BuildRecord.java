package dev.cove.api.store;

import java.time.Instant;
import java.util.List;

/**
 * One row of {@code template_builds}. {@code image}, {@code reason} and {@code logs} are JSON the templates package
 * reads and writes; the store keeps them as text.
 *
 * @param status  {@code waiting} (made, not started), {@code building}, {@code ready} or {@code error}
 * @param image   what a sandbox of this build is made of, once ready (JSON), else null
 * @param reason  why it failed (JSON {@code {message, step}}), else null
 * @param logs    its log entries once it ended (JSON array); while it runs they are in memory
 * @param madeLayers the layers this build made (not those it found in the cache), failed builds' too: what deleting
 *                   the template may free
 */
public record BuildRecord(String id, String templateId, String status, Instant createdAt, Instant updatedAt,
                          Instant finishedAt, List<String> tags, String image, String reason, String logs,
                          List<String> madeLayers) {
    public BuildRecord {
        tags = tags == null ? List.of() : List.copyOf(tags);
        madeLayers = madeLayers == null ? List.of() : List.copyOf(madeLayers);
    }
}
