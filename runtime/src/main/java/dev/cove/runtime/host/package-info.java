/**
 * The host as the runtime reaches it without a sandbox in between: host commands ({@link dev.cove.runtime.host.Cmd}),
 * mount(2) and umount2(2) ({@link dev.cove.runtime.host.Linux}) and the file, terminal and inotify system calls of the
 * agent API ({@link dev.cove.runtime.host.Sys}), all on core's one FFM binding. Owns no sandbox state and makes no
 * decisions: callers say what a failure means. Must not know about sandboxes, journals or containers.
 */
package dev.cove.runtime.host;
