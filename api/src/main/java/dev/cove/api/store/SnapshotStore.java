package dev.cove.api.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The snapshot catalog and the layers it captured (tables from {@code V24__snapshots}). */
public interface SnapshotStore {
    /** Records a captured layer before anything names it, so that an interrupted snapshot leaves nothing unknown. */
    void recordLayer(String key, Instant at);

    /** Inserts a snapshot, or replaces the row with its id (a name taken again). */
    void save(SnapshotRecord s);

    Optional<SnapshotRecord> find(String id);

    Optional<SnapshotRecord> findByName(String name);

    /**
     * A page, newest first: the snapshots created before {@code (beforeMillis, beforeId)} in that order, at most
     * {@code limit}, filtered by source sandbox and by id-or-name when those are not null.
     */
    List<SnapshotRecord> page(String sourceSandboxId, String idOrName, long beforeMillis, String beforeId, int limit);

    List<SnapshotRecord> all();

    void delete(String id);

    /** The captured layers no snapshot names. */
    Set<String> unnamedLayers();

    void forgetLayer(String key);
}
