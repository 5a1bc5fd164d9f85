/**
 * A sandbox's own ext4 disk on a loop device ({@link dev.cove.runtime.disk.SandboxDisk}), the node's budget of disk
 * space ({@link dev.cove.runtime.disk.DiskBudget}) and the pool of formatted, mounted disks a create takes ready
 * ({@link dev.cove.runtime.disk.DiskPool}). Must not touch the overlay above the disk nor the sandbox directory
 * beyond the disk's fixed names.
 */
package dev.cove.runtime.disk;
