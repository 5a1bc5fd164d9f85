package dev.cove.api.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One row of the {@code snapshots} table: a template made from a sandbox's file system.
 *
 * @param id               the snapshot's template id (what {@code Sandbox.create} and {@code DELETE /templates} take)
 * @param name             its name (E2B's alias), null when unnamed
 * @param sourceSandboxId  the sandbox it was taken from (the list filters on it)
 * @param sourceTemplateId the templateID that sandbox reported
 * @param template         the node template at the bottom
 * @param templateRevision the version of its files the layers were captured on
 *                         ({@link dev.cove.core.runtime.SandboxRuntime#templateRevision})
 * @param layers           layer keys over it, bottom to top: the source's own, then the one captured from it
 * @param envVars          the source's environment, given to sandboxes made from it; may hold secrets: never log it
 * @param createdAt        when it was taken (a name taken again moves it)
 */
public record SnapshotRecord(String id, String name, String sourceSandboxId, String sourceTemplateId, String template,
                             String templateRevision, List<String> layers, Map<String, String> envVars, Instant createdAt) {
    public SnapshotRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(template, "template");
        layers = List.copyOf(layers);
        envVars = envVars == null ? Map.of() : Map.copyOf(envVars);
    }

    /** The layer captured from the source (the top one). */
    public String ownLayer() { return layers.getLast(); }

    @Override
    public String toString() { return "SnapshotRecord[id=" + id + ", name=" + name + ", layers=" + layers + "]"; }
}
