/**
 * The OCI side of a sandbox: its bundle ({@link dev.cove.runtime.oci.OciSpec}: process, mounts, capabilities, the
 * seccomp profile in {@code seccomp.json}), the runc/crun command line ({@link dev.cove.runtime.oci.OciCli}) and
 * stopping a container with everything it left in its cgroups ({@link dev.cove.runtime.oci.SandboxContainer}). Must not
 * touch the network, the disk or the overlay mount.
 */
package dev.cove.runtime.oci;
