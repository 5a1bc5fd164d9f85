/**
 * Files: the agent API's file access confined to a sandbox's root ({@link dev.cove.runtime.fs.RootedFiles}, acting as
 * the sandbox user on dedicated threads; its inotify watches in {@link dev.cove.runtime.fs.InotifyWatch}), the host's
 * mount table ({@link dev.cove.runtime.fs.MountTable}) and deleting trees that may hold mounts
 * ({@link dev.cove.runtime.fs.FileTrees}). Must not follow a path a sandbox controls outside its root, nor mount
 * anything.
 */
package dev.cove.runtime.fs;
