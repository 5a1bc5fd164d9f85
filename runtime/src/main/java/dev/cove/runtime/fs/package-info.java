/**
 * Files: the agent API's file access confined to a sandbox's root ({@link dev.cove.runtime.fs.RootedFiles}, a facade
 * over package-private parts by concern: the confined path walk in {@code RootedPaths}, calls as the sandbox user on
 * dedicated threads in {@code RootCalls} and {@code UserThreads}, errors in {@code FileErrors},
 * entries in {@code FileEntries}, listing in {@code TreeListing}, creation and writes in {@code UserOwnedWrites},
 * renames and removals in {@code MovesAndRemovals}, reads in {@code PinnedFileReader}, its inotify watches in
 * {@code InotifyWatch}), the host's mount table ({@link dev.cove.runtime.fs.MountTable}) and deleting host trees that
 * may hold mounts ({@link dev.cove.runtime.fs.FileTrees}). Must not follow a path a sandbox controls outside its root,
 * nor mount anything.
 */
package dev.cove.runtime.fs;
