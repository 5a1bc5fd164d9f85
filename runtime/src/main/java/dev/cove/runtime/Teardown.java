package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.SandboxId;
import dev.cove.core.linux.Native;
import dev.cove.runtime.disk.SandboxDisk;
import dev.cove.runtime.fs.FileTrees;
import dev.cove.runtime.host.Linux;
import dev.cove.runtime.journal.SandboxJournal;
import dev.cove.runtime.net.Network;
import dev.cove.runtime.oci.OciCli;
import dev.cove.runtime.oci.SandboxContainer;
import dev.cove.runtime.userns.SandboxNamespaces;
import dev.cove.runtime.userns.UidRanges;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/** Destroy: frees everything a sandbox's journal lists, also after a half-made create or a crash. */
final class Teardown {
    private static final Logger log = LoggerFactory.getLogger(OciRuntime.class);

    private final Node node;
    private final Usage usage;

    Teardown(Node node, Usage usage) {
        this.node = node;
        this.usage = usage;
    }

    /** See {@link dev.cove.core.runtime.SandboxRuntime#destroy}: a held sandbox, or a directory a crash left. */
    void destroy(String id) {
        if (!SandboxId.isValid(id)) return;
        ReentrantLock lock = node.lockFor(id);
        lock.lock();
        try {
            HeldSandbox h = node.held.get(id);
            Path dir = node.dir(id);
            SandboxJournal j = h != null ? h.journal : journalOnDisk(id, dir);
            if (j == null) return;
            if (h != null) h.files.close();
            node.spawners.remove(id);
            usage.forget(id);
            long t0 = System.nanoTime();
            try {
                teardown(j, h != null ? h.sandbox.initPid() : 0);
            } catch (IOException | RuntimeException e) {
                node.held.remove(id);
                throw new CoveException(500, "sandbox_destroy_failed",
                        "could not free everything of sandbox '" + id + "' (retry destroy, or restart to sweep): "
                                + e.getMessage(), e);
            }
            node.held.remove(id);
            node.slots.release(j.slot());
            log.debug("destroyed sandbox {} in {} ms", id, Node.ms(System.nanoTime() - t0));
        } finally {
            lock.unlock();
        }
    }

    /** The journal of a sandbox directory; for a directory without a (readable) one, the names it would list. */
    private SandboxJournal journalOnDisk(String id, Path dir) {
        if (!Files.isDirectory(dir)) return null;
        SandboxJournal j = SandboxJournal.read(dir);
        if (j != null) return j;
        RuntimeConfig config = node.config;
        String name = config.resourcePrefix() + "-" + id;
        return new SandboxJournal(1, id, null, null, -1, name, null, null, null, null, null, null,
                dir.resolve("rootfs").toString(), dir.resolve("upper").toString(), dir.resolve("work").toString(),
                "/" + config.resourcePrefix() + "/" + id, name, node.oci.name(), node.oci.root().toString(), Map.of(),
                0, 0, 0, 0);
    }

    /**
     * Frees everything the journal lists, in an order that works on half-made state: container (kill + delete),
     * leftover processes and cgroup directories in every hierarchy, the overlay mount, the idmapped template and the
     * user namespace binding, the disk (mount and loop device; the image goes with the directory), veth and netns, the
     * uid range claim, and last
     * the sandbox directory (kept, with its journal, when anything before failed, so a retry can finish).
     */
    void teardown(SandboxJournal j, long initPid) throws IOException {
        OciCli cli = j.ociRuntime() == null ? node.oci : node.cli(j.ociRuntime());
        long t0 = System.nanoTime();
        List<String> problems = new ArrayList<>(SandboxContainer.stop(cli, node.cgroups, j, initPid));
        long tCgroup = System.nanoTime();
        int errno = Linux.umount2(j.rootfs(), 0);
        if (errno == Linux.EBUSY) errno = Linux.umount2(j.rootfs(), Linux.MNT_DETACH);
        if (errno != 0 && errno != Linux.EINVAL && errno != Linux.ENOENT)
            problems.add("cannot unmount " + j.rootfs() + ": " + Native.describe(errno));
        if (j.hasUserNamespace()) problems.addAll(SandboxNamespaces.release(j)); // the template view, the namespace
        // by the fixed names, not the journal: a directory whose journal is unreadable may still have a disk
        problems.addAll(SandboxDisk.release(node.dir(j.id())));
        Path poolEntry = j.hasDisk() ? node.diskPool.entryOf(Path.of(j.diskImage())) : null;
        if (poolEntry != null) problems.addAll(SandboxDisk.release(poolEntry));
        long tUmount = System.nanoTime();
        boolean networkGone = false;
        try {
            Network.delete(j.netns(), j.hostVeth());
            networkGone = true;
        } catch (IOException e) {
            problems.add(e.getMessage());
        }
        // The entries confine the veth for as long as it exists: they go only after it.
        if (networkGone) {
            try {
                node.egress.detach(j.id(), j.slot() < 0 ? null : Node.net(j));
            } catch (IOException | RuntimeException e) {
                log.warn("sandbox {}: removing its firewall entries failed (pruned at the next start): {}", j.id(),
                        e.getMessage());
            }
        }
        long tNet = System.nanoTime();
        if (!problems.isEmpty()) throw new IOException(String.join("; ", problems));
        // nothing of the sandbox runs or is mounted any more: its ids may go to another sandbox
        if (j.hasUserNamespace())
            node.uidRanges.release(UidRanges.rangeOf(j.uidBase()).index(), j.id());
        if (log.isTraceEnabled())
            log.trace("teardown {}: container ({}) {} us, umount {} us, network {} us", j.id(), cli.name(),
                    (tCgroup - t0) / 1000, (tUmount - tCgroup) / 1000, (tNet - tUmount) / 1000);
        // the pool entry before the journal that names it: until then a retry (destroy, recover) finds it by its paths
        if (poolEntry != null) FileTrees.deleteRecursively(poolEntry);
        if (j.hasUserNamespace()) SandboxNamespaces.removeRootDir(j);
        FileTrees.deleteRecursively(node.dir(j.id()));
    }
}
