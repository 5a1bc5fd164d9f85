/**
 * Linux system calls through FFM, shared by the node's modules: one linker set-up with errno capture and
 * {@code strerror} ({@link dev.cove.core.linux.Native}). Owns no policy: callers decide what a failure means. Must not
 * grow module-specific calls (mounts, files, sockets of the runtime); those stay in their module, declared with
 * {@link dev.cove.core.linux.Native#function}.
 */
package dev.cove.core.linux;
