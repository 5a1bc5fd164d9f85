/** The durable catalog: {@link dev.cove.api.store.SandboxStore} and its embedded SQLite implementation. */
package dev.cove.api.store;
