/**
 * Snapshots and forks (E2B's {@code createSnapshot}, {@code listSnapshots}, {@code deleteSnapshot}, {@code fork}):
 * {@link dev.cove.api.snapshots.SnapshotService} freezes a sandbox for an instant, captures its writable layer as a
 * node layer (through {@link dev.cove.core.runtime.SandboxRuntime#captureLayer}) and keeps the snapshot catalog
 * ({@link dev.cove.api.store.SnapshotStore}); it is the {@link dev.cove.api.lifecycle.SnapshotCatalog} creates look
 * snapshot ids and names up in. A snapshot carries the file system only: memory and running processes are not
 * captured. One handler per endpoint; {@link dev.cove.api.snapshots.SnapshotRoutes} registers them. Must not touch
 * the node other than through the runtime seam, nor sandbox rows other than through the lifecycle.
 */
package dev.cove.api.snapshots;
