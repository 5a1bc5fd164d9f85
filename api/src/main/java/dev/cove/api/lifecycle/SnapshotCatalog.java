package dev.cove.api.lifecycle;

import java.util.Optional;

/**
 * Snapshots as templates: what {@link TemplateResolver} asks first, before built templates and the node's own,
 * when a create names a template; and what templates ask before they delete a layer or a template id. The snapshots
 * package implements it; lifecycle never sees how snapshots are kept.
 */
public interface SnapshotCatalog {
    /** None: no snapshots. */
    SnapshotCatalog NONE = new SnapshotCatalog() {
        @Override
        public Optional<TemplateCatalog.Image> resolve(String ref) { return Optional.empty(); }

        @Override
        public boolean delete(String ref) { return false; }

        @Override
        public boolean namesLayer(String key) { return false; }

        @Override
        public void adoptLayer(String key) { }
    };

    /**
     * The snapshot {@code ref} names (its id or its name, E2B's {@code :default} tag allowed) as an image: the node
     * template at the bottom, the layers, the source's environment, no start command; or empty.
     */
    Optional<TemplateCatalog.Image> resolve(String ref);

    /**
     * {@link #resolve} for a create, which may refuse (409 {@code snapshot_outdated}) a snapshot whose layers were
     * captured on another version of the node template than the node has now.
     */
    default Optional<TemplateCatalog.Image> forCreate(String ref) { return resolve(ref); }

    /**
     * Deletes the snapshot {@code ref} names; false when none does. 409 {@code snapshot_in_use} while sandboxes made
     * from it are running or paused.
     */
    boolean delete(String ref);

    /** Whether a snapshot stands on layer {@code key} (a template deleting it must leave it). */
    boolean namesLayer(String key);

    /** Takes over layer {@code key} a deleted template left because a snapshot names it: gone with its last user. */
    void adoptLayer(String key);
}
