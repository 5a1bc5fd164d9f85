/**
 * E2B's {@code filesystem.Filesystem} service: {@link dev.cove.api.envd.filesystem.FilesystemService} holds the
 * polled watchers and registers one class per RPC (Stat, MakeDir, Move, ListDir, Remove, WatchDir, CreateWatcher,
 * GetWatcherEvents, RemoveWatcher). Every path goes through {@link dev.cove.core.runtime.SandboxFiles}, never the
 * host's file system.
 */
package dev.cove.api.envd.filesystem;
