/**
 * The host's cgroup hierarchies (v1, v2 or hybrid): finding a sandbox's cgroups, reading their memory and CPU use,
 * freezing and thawing them, and killing and removing what a sandbox left behind. Limits are not set here (the OCI
 * runtime sets them from {@code linux.resources}). Must not start or stop containers.
 */
package dev.cove.runtime.cgroup;
