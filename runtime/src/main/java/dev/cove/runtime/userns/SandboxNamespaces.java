package dev.cove.runtime.userns;

import dev.cove.core.linux.Native;
import dev.cove.runtime.fs.MountTable;
import dev.cove.runtime.host.Linux;
import dev.cove.runtime.host.Sys;
import dev.cove.runtime.journal.SandboxJournal;
import dev.cove.runtime.net.Network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A sandbox's user namespace on the host: bound at {@link SandboxJournal#userns} (so it outlives the process that
 * made it, as a named network namespace does), and the template (with its layers) seen through it at
 * {@link SandboxJournal#lowerMounts} (idmapped, read-only mounts: the template's root and user show as the sandbox's host ids, with no copy). Both are
 * mounts in the sandbox directory; teardown takes them away, and a host restart (which loses them) has them made
 * again with the same range.
 */
public final class SandboxNamespaces {
    private static final long MS_BIND = 4096;
    /** Where the root file systems of sandboxes in user namespaces are mounted: {@code <prefix>/<id>/rootfs}. */
    static final Path ROOTS = Path.of("/run/cove/roots");

    private SandboxNamespaces() {}

    /**
     * The mount point of a user-namespaced sandbox's root file system. The OCI runtime reaches it from inside the
     * sandbox's user namespace (as the sandbox's host root id), so every directory on the way must let that id
     * through, and no other: {@code /run/cove/roots/<prefix>} is 0711 (no listing), {@code <id>} belongs to the
     * sandbox's root with 0700. The user namespace binding and the idmapped template live beside it, in
     * {@code <id>}. The data directory keeps its own permissions (a sandbox's files under it would need
     * it to be open to everyone on the way).
     */
    public static Path rootfs(String prefix, String id) { return ROOTS.resolve(prefix).resolve(id).resolve("rootfs"); }

    /** Makes the directories of {@link #rootfs} with their owners and modes (again, after a host restart). */
    public static void prepareRootDir(SandboxJournal j) throws IOException {
        Path rootfs = Path.of(j.rootfs());
        Path own = rootfs.getParent();
        for (Path p : List.of(ROOTS, own.getParent())) {
            Files.createDirectories(p);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
        }
        if (!Files.isDirectory(own)) Files.createDirectory(own);
        Sys.fchownat(Sys.AT_FDCWD, own.toString(), j.uidBase(), j.uidBase(), Sys.AT_SYMLINK_NOFOLLOW);
        Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(rootfs);
    }

    /** Removes {@code /run/cove/roots/<prefix>} when no sandbox of the prefix has a directory there (a node's close). */
    public static void removePrefixDirIfEmpty(String prefix) {
        try {
            Files.deleteIfExists(ROOTS.resolve(prefix));
        } catch (IOException notEmptyOrGone) {
            // sandboxes of the prefix live on (they outlive the node), or another process removed it
        }
    }

    /** Removes the (unmounted, empty) directories of {@link #rootfs}; never anything below a mount. */
    public static void removeRootDir(SandboxJournal j) throws IOException {
        Path rootfs = Path.of(j.rootfs());
        if (!rootfs.startsWith(ROOTS) || MountTable.isMountPoint(rootfs)) return;
        for (Path lower : j.lowerMounts()) if (MountTable.isMountPoint(lower)) return;
        if (MountTable.isMountPoint(j.userns())) return;
        // each fails on a non-empty directory: nothing is deleted recursively here
        Files.deleteIfExists(rootfs);
        for (Path lower : j.lowerMounts()) Files.deleteIfExists(lower);
        Files.deleteIfExists(j.userns());
        Files.deleteIfExists(rootfs.getParent());
    }

    /** Binds the holder's user namespace where the journal says and mounts the template through it. */
    public static void bind(SandboxJournal j, UserNamespaces.Holder holder) throws IOException {
        prepareRootDir(j);
        bindUserns(j, holder);
        mountLower(j, holder.usernsFd());
    }

    /** Binds the holder's user namespace at {@link SandboxJournal#userns}, so it outlives the holder. */
    private static void bindUserns(SandboxJournal j, UserNamespaces.Holder holder) throws IOException {
        Path userns = j.userns();
        if (!Files.exists(userns)) Files.createFile(userns);
        Linux.mount("/proc/self/fd/" + holder.usernsFd(), userns.toString(), "none", MS_BIND, null);
    }

    /** Mounts the template's base and each layer over it through the sandbox's id mapping (those not mounted yet). */
    private static void mountLower(SandboxJournal j, int usernsFd) throws IOException {
        List<String> sources = j.lowerSources();
        List<Path> mounts = j.lowerMounts();
        for (int i = 0; i < sources.size(); i++) {
            Path target = mounts.get(i);
            if (MountTable.isMountPoint(target)) continue;
            Files.createDirectories(target);
            IdmappedMounts.mountReadOnly(sources.get(i), target.toString(), usernsFd);
        }
    }

    /**
     * Makes what a host restart lost, before the network namespace is made again: the user namespace (same range),
     * the network namespace it owns, and the idmapped template. No-op for a sandbox without a user namespace.
     */
    public static void restore(SandboxJournal j) throws IOException {
        if (!j.hasUserNamespace()) return;
        prepareRootDir(j);
        if (!MountTable.isMountPoint(j.userns())) {
            if (Network.netnsExists(j.netns()))
                throw new IOException("network namespace " + j.netns() + " exists without the user namespace owning it");
            try (UserNamespaces.Holder h = UserNamespaces.create(UidRanges.rangeOf(j.uidBase()))) {
                bindUserns(j, h);
                Network.create(j, h.pid());
            }
        } else if (!Network.netnsExists(j.netns())) {
            // the user namespace stayed but its network namespace went: a new one, owned by the same user namespace
            if (!Network.awaitHostVethGone(j.hostVeth(), Network.VETH_GONE))
                throw new IOException("host veth " + j.hostVeth() + " exists without its network namespace");
            try (UserNamespaces.Holder h = UserNamespaces.netnsIn(j.userns())) {
                Network.create(j, h.pid());
            }
        }
        if (j.lowerMounts().stream().anyMatch(p -> !MountTable.isMountPoint(p))) {
            int fd = Native.open(j.userns().toString(), 0, 0);
            try {
                mountLower(j, fd);
            } finally {
                Native.close(fd);
            }
        }
    }

    /** Unmounts the template's and layers' views and the namespace binding (either may be missing); what failed, in words. */
    public static List<String> release(SandboxJournal j) {
        List<String> problems = new ArrayList<>();
        List<Path> mounts = new ArrayList<>(j.lowerMounts().reversed());
        mounts.add(j.userns());
        for (Path p : mounts) {
            int errno = Linux.umount2(p.toString(), Linux.MNT_DETACH);
            if (errno != 0 && errno != Linux.EINVAL && errno != Linux.ENOENT)
                problems.add("cannot unmount " + p + ": " + Native.describe(errno));
        }
        return problems;
    }
}
