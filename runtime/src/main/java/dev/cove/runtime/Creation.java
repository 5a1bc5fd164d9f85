package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.SandboxId;
import dev.cove.core.runtime.PauseState;
import dev.cove.core.runtime.Progress;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.runtime.disk.DiskPool;
import dev.cove.runtime.disk.SandboxDisk;
import dev.cove.runtime.host.Linux;
import dev.cove.runtime.host.Sys;
import dev.cove.runtime.journal.SandboxJournal;
import dev.cove.runtime.layers.LayerStack;
import dev.cove.runtime.net.Network;
import dev.cove.runtime.net.SlotPool;
import dev.cove.runtime.oci.OciSpec;
import dev.cove.runtime.template.TemplateStore;
import dev.cove.runtime.userns.ReadyRanges;
import dev.cove.runtime.userns.SandboxNamespaces;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Create: checks the spec, reserves the disk and a slot, then the steps, each undone by {@link Teardown} when a later
 * one fails: {@code journal} (runtime.json, before anything it names exists), egress entries, {@code network} (netns
 * and veth, made inside the sandbox's user namespace when it has one), {@code rootfs} (disk, the idmapped template,
 * upper layer with /etc files, overlay mount over the template and the spec's layers) and {@code container} (bundle and {@code runc run -d}).
 *
 * <p>With user namespaces ({@link RuntimeConfig#userNamespaces}) the sandbox takes a uid range and its namespaces
 * before the journal (which names the range); what the host then writes into its upper layer belongs to the range's
 * root, so the sandbox's root owns it as it would own files it made.
 */
final class Creation {
    private static final Logger log = LoggerFactory.getLogger(OciRuntime.class);
    private static final Set<PosixFilePermission> DIR_0755 = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> FILE_0644 = PosixFilePermissions.fromString("rw-r--r--");

    /** Called after each step; what it throws fails the create there, as a failing step would. */
    @FunctionalInterface
    interface StepHook {
        StepHook NONE = step -> { };

        void after(String step) throws IOException;
    }

    private final Node node;
    private final Teardown teardown;
    private final StepHook hook;

    Creation(Node node, Teardown teardown, StepHook hook) {
        this.node = node;
        this.teardown = teardown;
        this.hook = hook;
    }

    RuntimeSandbox create(SandboxSpec spec) {
        String id = spec.id();
        if (!SandboxId.isValid(id)) throw CoveException.badRequest("invalid sandbox id '" + id + "'");
        String template = spec.template() == null ? "base" : spec.template();
        if (!node.templates.knows(template)) throw TemplateStore.notFound(template);
        Path base = node.templates.ensure(template, Progress.NONE);
        node.egress.compile(spec.egress()); // a policy it cannot honour is a 400 before anything is made
        int diskMB = diskSizeMB(spec);
        ReentrantLock lock = node.lockFor(id);
        node.layersInUse.readLock().lock(); // no layer of the stack goes away before the sandbox holds it
        lock.lock();
        try {
            LayerStack lower = node.layers.stack(base, spec.layers());
            Path dir = node.dir(id);
            if (node.held.containsKey(id) || Files.exists(dir))
                throw new CoveException(409, "sandbox_exists", "sandbox '" + id + "' already exists");
            // a ready disk comes with its budget reservation; otherwise the create reserves (or is refused) here
            DiskPool.Entry pooled = node.diskPool.take(diskMB, id);
            if (pooled == null) node.diskBudget.reserve(id, diskMB, node::unwrittenDiskBytes);
            try {
                return create(spec, id, template, lower, dir, diskMB, pooled);
            } finally {
                node.diskBudget.release(id);
            }
        } finally {
            lock.unlock();
            node.layersInUse.readLock().unlock();
        }
    }

    /** The create itself, under the id's lock and with the disk reserved. */
    private RuntimeSandbox create(SandboxSpec spec, String id, String template, LayerStack lower, Path dir, int diskMB,
                                  DiskPool.Entry pooled) {
        int slot;
        try {
            slot = node.slots.allocate(s -> !Network.linkExists(node.slots.hostVeth(s)));
        } catch (IllegalStateException e) {
            if (pooled != null) DiskPool.free(pooled.dir()); // taken but not journaled yet: nobody else would free it
            throw new CoveException(503, "sandbox_create_failed", "could not create sandbox '" + id + "': "
                    + e.getMessage() + " (pool " + node.config.poolSubnet() + "); destroy sandboxes or use a larger pool");
        }
        ReadyRanges.Prepared ns;
        try {
            ns = node.namespaces == null ? null : node.namespaces.take(id);
        } catch (IOException | RuntimeException e) {
            node.slots.release(slot);
            if (pooled != null) DiskPool.free(pooled.dir());
            throw new CoveException(500, "sandbox_create_failed", "could not create sandbox '" + id + "': no user"
                    + " namespace: " + e.getMessage() + " (a kernel without idmapped mounts needs"
                    + " --no-user-namespaces)", e);
        }
        SandboxJournal j = journal(spec, id, template, lower, slot, dir, diskMB, pooled,
                ns == null ? 0 : ns.range().base());
        long t0 = System.nanoTime();
        long pid = 0;
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            j.write(dir);
            hook.after("journal");
            node.egress.attach(id, Node.net(j), spec.egress(), dir); // before the veth exists: its first packet meets them
            if (ns != null) {
                SandboxNamespaces.bind(j, ns.namespaces());
                Network.create(j, ns.namespaces().pid());
                ns.namespaces().close();
            } else {
                Network.create(j);
            }
            long tNet = System.nanoTime();
            hook.after("network");
            prepareRootfs(j);
            long tFs = System.nanoTime();
            hook.after("rootfs");
            OciSpec.JSON.writeValue(dir.resolve("config.json").toFile(), OciSpec.config(j, id, node.spawnerBinary));
            pid = node.oci.run(j.containerId(), dir, j.consoleLog());
            hook.after("container");
            RuntimeSandbox sandbox = HeldSandbox.sandbox(j, pid);
            node.held.put(id, new HeldSandbox(j, sandbox, PauseState.RUNNING));
            // No spawner yet: the first process starts it (and itself goes through exec meanwhile), so create
            // and kill of a sandbox that never runs a command pay nothing for it.
            long t1 = System.nanoTime();
            log.debug("created sandbox {} in {} ms (network {} ms, rootfs {} ms, {} {} ms)", id, Node.ms(t1 - t0),
                    Node.ms(tNet - t0), Node.ms(tFs - tNet), node.oci.name(), Node.ms(t1 - tFs));
            return sandbox;
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage();
            if (ns != null) ns.namespaces().close();
            try {
                teardown.teardown(j, pid);
                node.slots.release(slot);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
                log.warn("sandbox {}: undoing a failed create left resources behind (swept by the next recover): {}",
                        id, cleanup.getMessage());
            }
            throw new CoveException(500, "sandbox_create_failed",
                    "could not create sandbox '" + id + "': " + reason, e);
        }
    }

    /** The spec's disk size, or the node's default; 400 outside what this node allows. */
    private int diskSizeMB(SandboxSpec spec) {
        RuntimeConfig config = node.config;
        int mb = spec.diskSizeMB() > 0 ? spec.diskSizeMB() : config.defaultDiskMB();
        if (mb < SandboxDisk.MIN_SIZE_MB || mb > config.maxDiskMB())
            throw CoveException.badRequest("diskSizeMB must be between " + SandboxDisk.MIN_SIZE_MB + " and "
                    + config.maxDiskMB() + " MiB on this node (--max-disk-mb), got " + mb);
        return mb;
    }

    private SandboxJournal journal(SandboxSpec spec, String id, String template, LayerStack lower, int slot, Path dir,
                                   int diskMB, DiskPool.Entry pooled, long uidBase) {
        RuntimeConfig config = node.config;
        String name = config.resourcePrefix() + "-" + id;
        int cpu = spec.cpuCount() > 0 ? spec.cpuCount() : config.defaultCpuCount();
        int mem = spec.memoryMB() > 0 ? spec.memoryMB() : config.defaultMemoryMB();
        int pids = spec.pidsLimit() > 0 ? spec.pidsLimit() : config.defaultPidsLimit();
        // a pooled disk stays where the pool made it: the journal names it there, and teardown frees it there
        Path disk = pooled != null ? pooled.mount() : dir.resolve(SandboxDisk.MOUNT);
        Path image = pooled != null ? pooled.image() : dir.resolve(SandboxDisk.IMAGE);
        SlotPool slots = node.slots;
        Path rootfs = uidBase != 0 ? SandboxNamespaces.rootfs(config.resourcePrefix(), id) : dir.resolve("rootfs");
        return new SandboxJournal(1, id, template, lower.base().toString(), slot, name, slots.hostVeth(slot),
                slots.sandboxVeth(slot), slots.hostIpv4(slot), slots.sandboxIpv4(slot), slots.hostIpv6(slot),
                slots.sandboxIpv6(slot), rootfs.toString(), disk.resolve("upper").toString(),
                disk.resolve("work").toString(), "/" + config.resourcePrefix() + "/" + id, name, node.oci.name(),
                node.oci.root().toString(), spec.envVars(), cpu, mem, pids, System.currentTimeMillis(),
                image.toString(), disk.toString(), diskMB, uidBase,
                lower.layers().stream().map(l -> l.root().toString()).toList());
    }

    /**
     * The sandbox's disk (its upper and work dirs live there), the upper layer with the sandbox's own /etc files,
     * then the overlay mount (mount(2) directly, no fork).
     */
    private void prepareRootfs(SandboxJournal j) throws IOException {
        List<String> paths = new ArrayList<>(j.lowerSources());
        paths.addAll(List.of(j.upperDir(), j.workDir()));
        for (String p : paths)
            if (p.contains(",") || p.contains(":") || p.contains("\\"))
                throw new IOException("overlay paths must not contain ',', ':' or '\\': " + p);
        // a pooled disk is formatted and mounted already; it is fresh (nothing but lost+found), so the upper and work
        // dirs below are made on it exactly as on a disk made here
        if (node.diskPool.entryOf(Path.of(j.diskImage())) == null)
            SandboxDisk.create(Path.of(j.diskImage()), Path.of(j.diskDir()), j.diskSizeMB());
        Path upperEtc = Path.of(j.upperDir(), "etc");
        Files.createDirectories(upperEtc);
        Files.setPosixFilePermissions(Path.of(j.upperDir()), DIR_0755);
        Files.setPosixFilePermissions(upperEtc, DIR_0755);
        Files.createDirectories(Path.of(j.workDir()));
        if (j.hasUserNamespace()) SandboxNamespaces.prepareRootDir(j);
        else Files.createDirectories(Path.of(j.rootfs()));
        writeEtc(upperEtc.resolve("hostname"), j.id() + "\n");
        writeEtc(upperEtc.resolve("hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                + j.ipv4() + "\t" + j.id() + "\n" + j.ipv6() + "\t" + j.id() + "\n");
        // The node's resolver, reached on the host side of the veth (the firewall redirects port 53 there to Cove).
        writeEtc(upperEtc.resolve("resolv.conf"), "nameserver " + j.hostIpv4() + "\noptions timeout:2 attempts:2\n");
        if (j.hasUserNamespace()) {
            // the overlay's own dirs and what the host wrote belong to the sandbox's root (its host id)
            for (Path p : List.of(Path.of(j.upperDir()), upperEtc, upperEtc.resolve("hostname"), upperEtc.resolve("hosts"),
                    upperEtc.resolve("resolv.conf"), Path.of(j.workDir())))
                Sys.fchownat(Sys.AT_FDCWD, p.toString(), j.uidBase(), j.uidBase(), Sys.AT_SYMLINK_NOFOLLOW);
        }
        Linux.mount("overlay", j.rootfs(), "overlay", 0, j.overlayOptions());
    }

    private static void writeEtc(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, FILE_0644);
    }
}
