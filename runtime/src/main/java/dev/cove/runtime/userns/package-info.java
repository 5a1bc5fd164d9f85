/**
 * User namespaces of sandboxes: each sandbox's ids map to a host range of its own ({@link
 * dev.cove.runtime.userns.UidRanges}, unique host-wide), prepared ahead of creates ({@link
 * dev.cove.runtime.userns.ReadyRanges}), and the template's read-only layer appears shifted into that range through
 * an idmapped mount ({@link dev.cove.runtime.userns.IdmappedMounts}) instead of a copy.
 *
 * <p>Owns the {@code /run/cove/uid-ranges} registry and the namespace descriptors. Does not mount overlays, write
 * OCI specs or touch a sandbox's files: the create steps do, with what this package hands them.
 */
package dev.cove.runtime.userns;
