package dev.cove.api.store;

import java.time.Instant;

/**
 * One row of {@code templates}: a template built through the API (E2B's {@code Template.build}).
 *
 * @param id           template id (what sandboxes report as {@code templateID})
 * @param name         its name, E2B's alias; unique
 * @param readyBuildId the build sandboxes start from, null until one is ready
 */
public record TemplateRecord(String id, String name, Instant createdAt, Instant updatedAt, int cpuCount, int memoryMB,
                             String readyBuildId) {
}
