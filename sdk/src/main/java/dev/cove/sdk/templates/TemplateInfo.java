package dev.cove.sdk.templates;

import java.time.Instant;

/**
 * A template built through the API, as {@code GET /templates} lists it.
 *
 * @param layersBytes what its layers take on the node's disk
 */
public record TemplateInfo(String templateId, String name, String buildStatus, int buildCount, long layersBytes,
                           Instant createdAt) {
}
