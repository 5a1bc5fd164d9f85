/**
 * The durable catalog: {@link dev.cove.api.store.SandboxStore}, {@link dev.cove.api.store.PortAccessStore},
 * {@link dev.cove.api.store.TemplateStore} (templates built through the API and their builds) and
 * {@link dev.cove.api.store.SnapshotStore} (snapshots and the layers they captured) with
 * their embedded SQLite implementation (Flyway migrations). Plain rows: must not touch HTTP, the runtime or the
 * lifecycle rules.
 */
package dev.cove.api.store;
