package dev.cove.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.core.CoveException;
import dev.cove.core.SandboxId;
import dev.cove.core.linux.Native;
import dev.cove.core.net.SocketTable;
import dev.cove.core.runtime.EgressDenial;
import dev.cove.core.runtime.EgressPolicy;
import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.PauseState;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.Progress;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxFiles;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.core.runtime.SandboxUsage;
import dev.cove.runtime.cgroup.CgroupLayout;
import dev.cove.runtime.disk.DiskBudget;
import dev.cove.runtime.disk.DiskPool;
import dev.cove.runtime.disk.SandboxDisk;
import dev.cove.runtime.egress.Egress;
import dev.cove.runtime.egress.Firewall;
import dev.cove.runtime.fs.FileTrees;
import dev.cove.runtime.fs.MountTable;
import dev.cove.runtime.fs.RootedFiles;
import dev.cove.runtime.host.Cmd;
import dev.cove.runtime.host.Linux;
import dev.cove.runtime.journal.SandboxJournal;
import dev.cove.runtime.net.HostClaim;
import dev.cove.runtime.net.Network;
import dev.cove.runtime.net.SlotPool;
import dev.cove.runtime.oci.OciCli;
import dev.cove.runtime.oci.OciSpec;
import dev.cove.runtime.oci.SandboxContainer;
import dev.cove.runtime.pause.FreezerPause;
import dev.cove.runtime.pause.PauseRecord;
import dev.cove.runtime.pause.PauseStrategy;
import dev.cove.runtime.pause.StopPause;
import dev.cove.runtime.process.RuncProcess;
import dev.cove.runtime.process.SpawnerPool;
import dev.cove.runtime.template.TemplateStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * The node runtime: every sandbox is an OCI container (runc or crun) on an overlay rootfs (template as the
 * read-only lower layer, a per-sandbox upper layer), in its own network namespace with a routed veth pair,
 * limited by cgroups (cpu, memory, pids; v1 and v2 alike through {@code linux.resources}).
 *
 * <p>Layout: {@code dataDir/sandboxes/<id>/} holds {@code runtime.json} (the journal of every host resource the
 * sandbox owns, written before any of them is made), {@code config.json} (OCI bundle), {@code disk.img} (the
 * sandbox's own ext4 file system, {@link SandboxDisk}) mounted at {@code disk/} with {@code upper/}, {@code work/}
 * and {@code console.log} in it (or, for a disk taken ready from {@link DiskPool}, both in
 * {@code dataDir/disk-pool/<random>/}, as the journal says), and {@code rootfs/} (the overlay mount point). The OCI
 * runtime's state is in {@code dataDir/<runc|crun>/}. Host names: netns and container id {@code <prefix>-<id>}, veths
 * {@code <prefix><slot>h|s}, cgroup {@code /<prefix>/<id>}.
 *
 * <p>Sandboxes outlive this object: {@link #close()} frees only the in-memory state, and a new instance on the
 * same data directory takes the sandboxes back with {@link #recover(Set)}. One instance per data directory
 * (enforced by a lock file). Thread-safe: calls for different ids run in parallel.
 *
 * <p>Pause ({@link #pause}): with memory, the cgroup freezer ({@link FreezerPause}); without, the container ends and
 * its overlay, bundle and network namespace stay ({@link StopPause}); {@code pause.json} in the sandbox directory
 * records it for a restart. A memory checkpoint to disk would be another {@link PauseStrategy}; CRIU does not work
 * on the kernels this runs on (see there).
 */
public final class OciRuntime implements SandboxRuntime {
    private static final Logger log = LoggerFactory.getLogger(OciRuntime.class);
    private static final Duration DEFAULT_EXEC_TIMEOUT = Duration.ofSeconds(60);
    private static final Set<PosixFilePermission> DIR_0755 = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> FILE_0644 = PosixFilePermissions.fromString("rw-r--r--");

    private final RuntimeConfig config;
    private final Path sandboxesDir;
    private final SlotPool slots;
    private final CgroupLayout cgroups;
    private final OciCli oci;
    private final Map<String, OciCli> ociByName = new ConcurrentHashMap<>();
    private final TemplateStore templates;
    private final Egress egress;
    private final SpawnerPool spawners;
    private final FreezerPause freezerPause;
    private final StopPause stopPause;
    private final DiskBudget diskBudget;
    private final DiskPool diskPool;
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final ReentrantLock[] stripes = new ReentrantLock[64];
    private final FileChannel dataDirLockChannel;
    private final FileLock dataDirLock;
    private final HostClaim claim;
    private volatile String failCreateAfter; // test hook: inject a failure after this create step

    /** A sandbox this instance holds. */
    private static final class Held {
        private final SandboxJournal journal;
        private final RootedFiles files;
        /**
         * Process starts hold it shared from their state check until the process has started; pause and resume hold
         * it exclusively. So a freeze never catches a start half-way (its reply would wait for the thaw), and a
         * start never reaches a container that is being stopped. Fair: callers that keep starting processes must
         * not starve a pause or resume that waits.
         */
        private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
        private volatile RuntimeSandbox sandbox;
        private volatile PauseState state;

        Held(SandboxJournal journal, RuntimeSandbox sandbox, PauseState state) {
            this.journal = journal;
            this.sandbox = sandbox;
            this.state = state;
            this.files = new RootedFiles(sandbox.rootfs(), journal.uidBase());
        }

        SandboxJournal journal() { return journal; }

        RuntimeSandbox sandbox() { return sandbox; }

        RootedFiles files() { return files; }
    }

    /** Last CPU sample per sandbox: (nanoTime, cpu usage ns), for {@link #usage}. */
    private final Map<String, long[]> cpuSamples = new ConcurrentHashMap<>();

    public OciRuntime(RuntimeConfig config) {
        this.config = config;
        for (int i = 0; i < stripes.length; i++) stripes[i] = new ReentrantLock();
        this.sandboxesDir = config.dataDir().resolve("sandboxes");
        this.slots = new SlotPool(config.poolSubnet(), config.poolSubnet6(), config.resourcePrefix());
        this.cgroups = CgroupLayout.detect();
        this.templates = new TemplateStore(config.templateDir(), config.templateMirror());
        requireTool("ip", "iproute2");
        SandboxDisk.requireTools();
        this.diskBudget = new DiskBudget(config.dataDir(), config.diskOvercommit());
        String runtimeName = chooseOciRuntime(config.ociRuntime(), cgroups);
        this.oci = cli(runtimeName);
        this.spawners = new SpawnerPool(config.fastSpawn());
        this.freezerPause = new FreezerPause(cgroups);
        this.stopPause = new StopPause(cgroups, this::cli);
        try {
            Files.createDirectories(sandboxesDir);
            Files.createDirectories(oci.root());
            this.dataDirLockChannel = FileChannel.open(config.dataDir().resolve("runtime.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            this.dataDirLock = dataDirLockChannel.tryLock();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare data directory " + config.dataDir(), e);
        }
        if (dataDirLock == null)
            throw new IllegalStateException("another Cove runtime already uses " + config.dataDir());
        try {
            this.claim = HostClaim.acquire(config.resourcePrefix(), config.poolSubnet(), config.poolSubnet6(),
                    config.dataDir());
        } catch (RuntimeException e) {
            releaseDataDirLock();
            throw e;
        }
        enablePerNetnsTcpHash();
        prepareNetnsDir();
        requireTool("nft", "nftables");
        try {
            this.egress = new Egress(config.resourcePrefix(), config.poolSubnet(), config.poolSubnet6(), config.egress());
        } catch (IOException e) {
            claim.close();
            releaseDataDirLock();
            throw new UncheckedIOException("cannot set up egress control: " + e.getMessage(), e);
        }
        this.diskPool = new DiskPool(config.dataDir(), config.diskPoolSize(), config.defaultDiskMB(), diskBudget,
                this::unwrittenDiskBytes);
        try {
            diskPool.start(journalDiskImages());
        } catch (IOException | RuntimeException e) {
            // without the list of disks in use nothing may be swept: every create makes its own disk
            log.warn("disk pool off: cannot prepare {}: {}", config.dataDir().resolve(DiskPool.DIR), e.getMessage());
        }
        log.info("runtime: {} ({}), data {}, templates {}, pool {} / {}, {} slots, {} ready disks", oci.name(),
                cgroups.describe(), config.dataDir(), config.templateDir(), config.poolSubnet(), config.poolSubnet6(),
                slots.size(), config.diskPoolSize());
    }

    /** The OCI runtime binary in use ({@code runc} or {@code crun}). */
    public String ociRuntimeName() { return oci.name(); }

    public RuntimeConfig config() { return config; }

    // ---------------------------------------------------------------- templates

    @Override
    public void ensureTemplate(String template, Progress progress) {
        if (!templates.knows(template)) throw TemplateStore.notFound(template);
        templates.ensure(template, progress == null ? Progress.NONE : progress);
    }

    @Override
    public boolean knowsTemplate(String template) { return templates.knows(template); }

    /** Host path of the built rootfs of {@code template} (its read-only lower layer), building it if needed. */
    public Path templateRootfs(String template) {
        if (!templates.knows(template)) throw TemplateStore.notFound(template);
        return templates.ensure(template, Progress.NONE);
    }

    // ---------------------------------------------------------------- create

    @Override
    public RuntimeSandbox create(SandboxSpec spec) {
        String id = spec.id();
        if (!SandboxId.isValid(id)) throw CoveException.badRequest("invalid sandbox id '" + id + "'");
        String template = spec.template() == null ? "base" : spec.template();
        if (!templates.knows(template)) throw TemplateStore.notFound(template);
        Path lower = templates.ensure(template, Progress.NONE);
        egress.compile(spec.egress()); // a policy it cannot honour is a 400 before anything is made
        int diskMB = diskSizeMB(spec);
        ReentrantLock lock = lockFor(id);
        lock.lock();
        try {
            Path dir = sandboxesDir.resolve(id);
            if (held.containsKey(id) || Files.exists(dir))
                throw new CoveException(409, "sandbox_exists", "sandbox '" + id + "' already exists");
            // a ready disk comes with its budget reservation; otherwise the create reserves (or is refused) here
            DiskPool.Entry pooled = diskPool.take(diskMB, id);
            if (pooled == null) diskBudget.reserve(id, diskMB, this::unwrittenDiskBytes);
            try {
                return create(spec, id, template, lower, dir, diskMB, pooled);
            } finally {
                diskBudget.release(id);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The create itself, under the id's lock and with the disk reserved. */
    private RuntimeSandbox create(SandboxSpec spec, String id, String template, Path lower, Path dir, int diskMB,
                                  DiskPool.Entry pooled) {
        int slot;
        try {
            slot = slots.allocate(s -> !Network.linkExists(slots.hostVeth(s)));
        } catch (IllegalStateException e) {
            if (pooled != null) DiskPool.free(pooled.dir()); // taken but not journaled yet: nobody else would free it
            throw new CoveException(503, "sandbox_create_failed", "could not create sandbox '" + id + "': "
                    + e.getMessage() + " (pool " + config.poolSubnet() + "); destroy sandboxes or use a larger pool");
        }
        SandboxJournal j = journal(spec, id, template, lower, slot, dir, diskMB, pooled);
        long t0 = System.nanoTime();
        long pid = 0;
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            j.write(dir);
            step("journal");
            egress.attach(id, net(j), spec.egress(), dir); // before the veth exists: its first packet meets them
            Network.create(j);
            long tNet = System.nanoTime();
            step("network");
            prepareRootfs(j, lower, dir);
            long tFs = System.nanoTime();
            step("rootfs");
            OciSpec.JSON.writeValue(dir.resolve("config.json").toFile(), OciSpec.config(j, id));
            pid = oci.run(j.containerId(), dir, j.consoleLog());
            step("container");
            RuntimeSandbox sandbox = new RuntimeSandbox(id, j.netnsPath(), j.ipv4(), j.hostIpv4(), j.ipv6(), pid,
                    j.rootfs());
            held.put(id, new Held(j, sandbox, PauseState.RUNNING));
            // No spawner yet: the first process starts it (and itself goes through exec meanwhile), so create
            // and kill of a sandbox that never runs a command pay nothing for it.
            long t1 = System.nanoTime();
            log.debug("created sandbox {} in {} ms (network {} ms, rootfs {} ms, {} {} ms)", id, ms(t1 - t0),
                    ms(tNet - t0), ms(tFs - tNet), oci.name(), ms(t1 - tFs));
            return sandbox;
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage();
            try {
                teardown(j, pid);
                slots.release(slot);
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
        int mb = spec.diskSizeMB() > 0 ? spec.diskSizeMB() : config.defaultDiskMB();
        if (mb < SandboxDisk.MIN_SIZE_MB || mb > config.maxDiskMB())
            throw CoveException.badRequest("diskSizeMB must be between " + SandboxDisk.MIN_SIZE_MB + " and "
                    + config.maxDiskMB() + " MiB on this node (--max-disk-mb), got " + mb);
        return mb;
    }

    /** What the held sandboxes may still write to their disks: each one's size minus what it holds already. */
    private long unwrittenDiskBytes() {
        long sum = 0;
        for (Held h : held.values()) {
            SandboxJournal j = h.journal();
            if (!j.hasDisk()) continue;
            SandboxDisk.Usage u = SandboxDisk.usage(Path.of(j.diskDir()));
            long size = (long) j.diskSizeMB() << 20;
            sum += u == null ? size : Math.max(0, size - u.usedBytes());
        }
        return sum;
    }

    private SandboxJournal journal(SandboxSpec spec, String id, String template, Path lower, int slot, Path dir,
                                   int diskMB, DiskPool.Entry pooled) {
        String name = config.resourcePrefix() + "-" + id;
        int cpu = spec.cpuCount() > 0 ? spec.cpuCount() : config.defaultCpuCount();
        int mem = spec.memoryMB() > 0 ? spec.memoryMB() : config.defaultMemoryMB();
        int pids = spec.pidsLimit() > 0 ? spec.pidsLimit() : config.defaultPidsLimit();
        // a pooled disk stays where the pool made it: the journal names it there, and teardown frees it there
        Path disk = pooled != null ? pooled.mount() : dir.resolve(SandboxDisk.MOUNT);
        Path image = pooled != null ? pooled.image() : dir.resolve(SandboxDisk.IMAGE);
        return new SandboxJournal(1, id, template, lower.toString(), slot, name, slots.hostVeth(slot),
                slots.sandboxVeth(slot), slots.hostIpv4(slot), slots.sandboxIpv4(slot), slots.hostIpv6(slot),
                slots.sandboxIpv6(slot), dir.resolve("rootfs").toString(), disk.resolve("upper").toString(),
                disk.resolve("work").toString(), "/" + config.resourcePrefix() + "/" + id, name, oci.name(),
                oci.root().toString(), spec.envVars(), cpu, mem, pids, System.currentTimeMillis(),
                image.toString(), disk.toString(), diskMB);
    }

    /**
     * The sandbox's disk (its upper and work dirs live there), the upper layer with the sandbox's own /etc files,
     * then the overlay mount (mount(2) directly, no fork).
     */
    private void prepareRootfs(SandboxJournal j, Path lower, Path dir) throws IOException {
        for (String p : List.of(lower.toString(), j.upperDir(), j.workDir()))
            if (p.contains(",") || p.contains(":") || p.contains("\\"))
                throw new IOException("overlay paths must not contain ',', ':' or '\\': " + p);
        // a pooled disk is formatted and mounted already; it is fresh (nothing but lost+found), so the upper and work
        // dirs below are made on it exactly as on a disk made here
        if (diskPool.entryOf(Path.of(j.diskImage())) == null)
            SandboxDisk.create(Path.of(j.diskImage()), Path.of(j.diskDir()), j.diskSizeMB());
        Path upperEtc = Path.of(j.upperDir(), "etc");
        Files.createDirectories(upperEtc);
        Files.setPosixFilePermissions(Path.of(j.upperDir()), DIR_0755);
        Files.setPosixFilePermissions(upperEtc, DIR_0755);
        Files.createDirectories(Path.of(j.workDir()));
        Files.createDirectories(Path.of(j.rootfs()));
        writeEtc(upperEtc.resolve("hostname"), j.id() + "\n");
        writeEtc(upperEtc.resolve("hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                + j.ipv4() + "\t" + j.id() + "\n" + j.ipv6() + "\t" + j.id() + "\n");
        // The node's resolver, reached on the host side of the veth (the firewall redirects port 53 there to Cove).
        writeEtc(upperEtc.resolve("resolv.conf"), "nameserver " + j.hostIpv4() + "\noptions timeout:2 attempts:2\n");
        Linux.mount("overlay", j.rootfs(), "overlay", 0, j.overlayOptions());
    }

    private static void writeEtc(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, FILE_0644);
    }

    private void step(String name) throws IOException {
        if (name.equals(failCreateAfter)) throw new IOException("injected failure after step '" + name + "'");
    }

    /** Test hook: the next creates fail right after {@code step} (journal, network, rootfs, container); null: off. */
    void failCreateAfter(String step) { this.failCreateAfter = step; }

    /** Test hook: disks ready in the pool now. */
    int readyDisks() { return diskPool.readyCount(); }

    // ---------------------------------------------------------------- destroy

    @Override
    public void destroy(String id) {
        if (!SandboxId.isValid(id)) return;
        ReentrantLock lock = lockFor(id);
        lock.lock();
        try {
            Held h = held.get(id);
            Path dir = sandboxesDir.resolve(id);
            SandboxJournal j = h != null ? h.journal() : journalOnDisk(id, dir);
            if (j == null) return;
            if (h != null) h.files().close();
            spawners.remove(id);
            cpuSamples.remove(id);
            long t0 = System.nanoTime();
            try {
                teardown(j, h != null ? h.sandbox().initPid() : 0);
            } catch (IOException | RuntimeException e) {
                held.remove(id);
                throw new CoveException(500, "sandbox_destroy_failed",
                        "could not free everything of sandbox '" + id + "' (retry destroy, or restart to sweep): "
                                + e.getMessage(), e);
            }
            held.remove(id);
            slots.release(j.slot());
            log.debug("destroyed sandbox {} in {} ms", id, ms(System.nanoTime() - t0));
        } finally {
            lock.unlock();
        }
    }

    /** The journal of a sandbox directory; for a directory without a (readable) one, the names it would list. */
    private SandboxJournal journalOnDisk(String id, Path dir) {
        if (!Files.isDirectory(dir)) return null;
        SandboxJournal j = SandboxJournal.read(dir);
        if (j != null) return j;
        String name = config.resourcePrefix() + "-" + id;
        return new SandboxJournal(1, id, null, null, -1, name, null, null, null, null, null, null,
                dir.resolve("rootfs").toString(), dir.resolve("upper").toString(), dir.resolve("work").toString(),
                "/" + config.resourcePrefix() + "/" + id, name, oci.name(), oci.root().toString(), Map.of(), 0, 0, 0, 0);
    }

    /**
     * Frees everything the journal lists, in an order that works on half-made state: container (kill + delete),
     * leftover processes and cgroup directories in every hierarchy, the overlay mount, the disk (mount and loop
     * device; the image goes with the directory), veth and netns, and last
     * the sandbox directory (kept, with its journal, when anything before failed, so a retry can finish).
     */
    private void teardown(SandboxJournal j, long initPid) throws IOException {
        OciCli cli = j.ociRuntime() == null ? oci : cli(j.ociRuntime());
        long t0 = System.nanoTime();
        List<String> problems = new ArrayList<>(SandboxContainer.stop(cli, cgroups, j, initPid));
        long tCgroup = System.nanoTime();
        int errno = Linux.umount2(j.rootfs(), 0);
        if (errno == Linux.EBUSY) errno = Linux.umount2(j.rootfs(), Linux.MNT_DETACH);
        if (errno != 0 && errno != Linux.EINVAL && errno != Linux.ENOENT)
            problems.add("cannot unmount " + j.rootfs() + ": " + Native.describe(errno));
        // by the fixed names, not the journal: a directory whose journal is unreadable may still have a disk
        problems.addAll(SandboxDisk.release(sandboxesDir.resolve(j.id())));
        Path poolEntry = j.hasDisk() ? diskPool.entryOf(Path.of(j.diskImage())) : null;
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
                egress.detach(j.id(), j.slot() < 0 ? null : net(j));
            } catch (IOException | RuntimeException e) {
                log.warn("sandbox {}: removing its firewall entries failed (pruned at the next start): {}", j.id(),
                        e.getMessage());
            }
        }
        long tNet = System.nanoTime();
        if (!problems.isEmpty()) throw new IOException(String.join("; ", problems));
        if (log.isTraceEnabled())
            log.trace("teardown {}: container ({}) {} us, umount {} us, network {} us", j.id(), cli.name(),
                    (tCgroup - t0) / 1000, (tUmount - tCgroup) / 1000, (tNet - tUmount) / 1000);
        // the pool entry before the journal that names it: until then a retry (destroy, recover) finds it by its paths
        if (poolEntry != null) FileTrees.deleteRecursively(poolEntry);
        FileTrees.deleteRecursively(sandboxesDir.resolve(j.id()));
    }

    /** The disk images the sandbox journals on disk name: the pool entries that belong to sandboxes. */
    private Set<Path> journalDiskImages() {
        Set<Path> images = new HashSet<>();
        try (Stream<Path> s = Files.list(sandboxesDir)) {
            for (Path dir : s.filter(Files::isDirectory).toList()) {
                SandboxJournal j = SandboxJournal.read(dir);
                if (j != null && j.hasDisk()) images.add(Path.of(j.diskImage()).toAbsolutePath().normalize());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + sandboxesDir, e);
        }
        return images;
    }

    // ---------------------------------------------------------------- recover

    @Override
    public Set<String> recover(Set<String> keep) {
        Set<String> keepIds = keep == null ? Set.of() : keep;
        Set<String> adopted = new HashSet<>();
        Set<String> seen = new HashSet<>();
        List<Path> dirs;
        try (Stream<Path> s = Files.list(sandboxesDir)) {
            dirs = s.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + sandboxesDir, e);
        }
        for (Path dir : dirs) {
            String id = dir.getFileName().toString();
            seen.add(id);
            if (!SandboxId.isValid(id)) {
                log.warn("recover: ignoring {} (not a sandbox id)", dir);
                continue;
            }
            ReentrantLock lock = lockFor(id);
            lock.lock();
            try {
                if (keepIds.contains(id)) {
                    if (held.containsKey(id)) {
                        adopted.add(id);
                        continue;
                    }
                    SandboxJournal j = SandboxJournal.read(dir);
                    Held found = j == null ? null : readopt(j, dir);
                    if (found != null) {
                        slots.reserve(j.slot());
                        held.put(id, found);
                        try {
                            egress.attach(id, net(j), Egress.readPolicy(dir), dir);
                        } catch (IOException | RuntimeException e) {
                            log.warn("recover: sandbox {}: egress rules not restored: {}", id, e.getMessage());
                        }
                        adopted.add(id);
                        log.info("recover: re-adopted sandbox {} ({}, init pid {})", id, found.state,
                                found.sandbox().initPid());
                        continue;
                    }
                }
            } finally {
                lock.unlock();
            }
            try {
                destroy(id);
                log.info("recover: swept sandbox {}", id);
            } catch (CoveException e) {
                log.warn("recover: {}", e.getMessage());
            }
        }
        for (String id : List.copyOf(held.keySet())) {
            if (!keepIds.contains(id) || !seen.contains(id)) {
                try {
                    destroy(id);
                } catch (CoveException e) {
                    log.warn("recover: {}", e.getMessage());
                }
                adopted.remove(id);
            }
        }
        sweepOrphanContainers(seen);
        pruneFirewall();
        return adopted;
    }

    /** Firewall entries of veths that no held sandbox owns and that no longer exist (a crash mid-teardown). */
    private void pruneFirewall() {
        try {
            Set<String> owned = new HashSet<>();
            for (Held h : held.values()) owned.add(h.journal().hostVeth());
            for (String veth : egress.firewallInterfaces()) {
                if (owned.contains(veth) || Network.linkExists(veth)) continue;
                int slot = slots.slotOf(veth);
                if (slot < 0) continue;
                egress.detach("", new Firewall.SandboxNet(slot, veth, slots.hostIpv4(slot), slots.sandboxIpv4(slot),
                        slots.hostIpv6(slot), slots.sandboxIpv6(slot)));
                log.info("recover: removed the firewall entries of {} (its sandbox is gone)", veth);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("recover: cannot prune firewall entries: {}", e.getMessage());
        }
    }

    private static Firewall.SandboxNet net(SandboxJournal j) {
        return new Firewall.SandboxNet(j.slot(), j.hostVeth(), j.hostIpv4(), j.ipv4(), j.hostIpv6(), j.ipv6());
    }

    /**
     * The sandbox as this node left it, or null when it is to be swept. A container that still exists decides by
     * itself (the kernel's freezer says frozen or running, whatever {@code pause.json} says: a restart may have cut
     * a pause or a resume short). Without a container, only a sandbox with a {@link PauseRecord} is kept: stopped,
     * on its files, with its network namespace and mount made again if the host restarted.
     */
    private Held readopt(SandboxJournal j, Path dir) {
        PauseRecord record = PauseRecord.read(dir);
        RuntimeSandbox alive = aliveSandbox(j);
        try {
            if (alive != null) {
                if (freezerPause.frozen(j)) {
                    if (record == null || record.state() != PauseState.FROZEN)
                        new PauseRecord(PauseState.FROZEN, System.currentTimeMillis()).write(dir);
                    return new Held(j, alive, PauseState.FROZEN);
                }
                if (record != null) {
                    try {
                        freezerPause.resume(j, dir, alive.initPid()); // a freeze cut short may have left it half-frozen
                    } catch (IOException e) {
                        log.warn("recover: sandbox {}: cannot thaw what a cut-short pause froze: {}", j.id(), e.getMessage());
                    }
                    PauseRecord.delete(dir);
                }
                return new Held(j, alive, PauseState.RUNNING);
            }
            if (record == null || j.slot() < 0) return null;
            List<String> left = SandboxContainer.stop(cli(j.ociRuntime()), cgroups, j, 0);
            if (!left.isEmpty()) throw new IOException(String.join("; ", left));
            StopPause.restoreHostSide(j);
            if (record.state() != PauseState.STOPPED) {
                log.warn("recover: sandbox {} was frozen but its processes are gone (host restart?); kept stopped, "
                        + "with its files", j.id());
                new PauseRecord(PauseState.STOPPED, record.pausedAtMillis()).write(dir);
            }
            return new Held(j, stoppedSandbox(j), PauseState.STOPPED);
        } catch (IOException | RuntimeException e) {
            log.warn("recover: paused sandbox {} cannot be kept, sweeping it: {}", j.id(), e.getMessage());
            return null;
        }
    }

    private static RuntimeSandbox stoppedSandbox(SandboxJournal j) {
        return new RuntimeSandbox(j.id(), j.netnsPath(), j.ipv4(), j.hostIpv4(), j.ipv6(), 0, j.rootfs());
    }

    /** The sandbox as it still runs or is frozen (container there, netns and rootfs in place), or null. */
    private RuntimeSandbox aliveSandbox(SandboxJournal j) {
        if (j.slot() < 0 || !Network.netnsExists(j.netns()) || !MountTable.isMountPoint(Path.of(j.rootfs())))
            return null;
        try {
            JsonNode state = cli(j.ociRuntime()).state(j.containerId());
            String status = state == null ? "" : state.path("status").asText();
            if (!status.equals("running") && !status.equals("paused")) return null;
            long pid = state.path("pid").asLong();
            if (pid <= 0 || ProcessHandle.of(pid).isEmpty()) return null;
            return new RuntimeSandbox(j.id(), j.netnsPath(), j.ipv4(), j.hostIpv4(), j.ipv6(), pid, j.rootfs());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Containers in our runtime state directory whose sandbox directory is gone. */
    private void sweepOrphanContainers(Set<String> sandboxDirs) {
        String prefix = config.resourcePrefix() + "-";
        for (String cid : oci.list()) {
            if (!cid.startsWith(prefix)) continue;
            String id = cid.substring(prefix.length());
            if (sandboxDirs.contains(id) && Files.isDirectory(sandboxesDir.resolve(id))) continue;
            try {
                oci.deleteForce(cid);
                cgroups.killAndRemove("/" + config.resourcePrefix() + "/" + id, 2000);
                log.info("recover: removed orphan container {}", cid);
            } catch (IOException e) {
                log.warn("recover: cannot remove orphan container {}: {}", cid, e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- queries

    @Override
    public RuntimeSandbox get(String id) {
        Held h = id == null ? null : held.get(id);
        return h == null ? null : h.sandbox();
    }

    @Override
    public List<String> list() { return List.copyOf(held.keySet()); }

    // ---------------------------------------------------------------- pause

    @Override
    public PauseState pauseState(String id) {
        Held h = id == null ? null : held.get(id);
        return h == null ? null : h.state;
    }

    /**
     * Freezes the sandbox ({@code keepMemory}) or stops it on its files; see {@link SandboxRuntime#pause}. Waits for
     * process starts in flight (and a spawner start) to finish first. A frozen sandbox's spawner stays connected
     * and serves again after the thaw; a stopped sandbox's spawner ends with it, and the first process after the
     * resume starts a new one.
     */
    @Override
    public void pause(String id, boolean keepMemory) {
        PauseStrategy strategy = keepMemory ? freezerPause : stopPause;
        held(id); // 404 before any lock
        ReentrantLock lock = lockFor(id);
        lock.lock();
        try {
            Held h = held(id);
            if (h.state == strategy.state() || h.state == PauseState.STOPPED) return;
            Lock gate = h.gate.writeLock();
            gate.lock();
            try {
                Path dir = sandboxesDir.resolve(id);
                spawners.awaitStart(id);
                long t0 = System.nanoTime();
                try {
                    new PauseRecord(strategy.state(), System.currentTimeMillis()).write(dir);
                } catch (IOException e) {
                    throw new CoveException(500, "sandbox_pause_failed", "could not pause sandbox '" + id
                            + "': cannot record it: " + e.getMessage() + " (it keeps running)", e);
                }
                if (strategy == stopPause) spawners.remove(id); // it ends with the container
                try {
                    strategy.pause(h.journal(), dir, h.sandbox().initPid());
                } catch (IOException | RuntimeException e) {
                    throw pauseFailed(h, strategy, dir, e);
                }
                if (strategy == stopPause) h.sandbox = stoppedSandbox(h.journal());
                h.state = strategy.state();
                cpuSamples.remove(id);
                log.debug("paused sandbox {} ({}) in {} us", id, h.state, (System.nanoTime() - t0) / 1000);
            } finally {
                gate.unlock();
            }
        } finally {
            lock.unlock();
        }
    }

    /** A failed freeze has thawed again: running as before. A failed stop has ended what it could: stopped. */
    private CoveException pauseFailed(Held h, PauseStrategy strategy, Path dir, Exception e) {
        String id = h.journal().id();
        if (strategy == stopPause) {
            h.sandbox = stoppedSandbox(h.journal());
            h.state = PauseState.STOPPED;
            return new CoveException(500, "sandbox_pause_failed", "sandbox '" + id + "' was stopped, but not "
                    + "everything of its container could be freed: " + e.getMessage()
                    + " (resume or destroy it to retry)", e);
        }
        try {
            PauseRecord.delete(dir);
        } catch (IOException ignored) {
            // recover trusts the thawed cgroup over the record
        }
        return new CoveException(500, "sandbox_pause_failed", "could not freeze sandbox '" + id + "': "
                + e.getMessage() + " (it keeps running)", e);
    }

    /**
     * Thaws a frozen sandbox, or runs a stopped one again from its bundle on its kept overlay and network namespace
     * (same addresses, a new init). No-op on a running sandbox. See {@link SandboxRuntime#resume}.
     */
    @Override
    public RuntimeSandbox resume(String id) {
        held(id); // 404 before any lock
        ReentrantLock lock = lockFor(id);
        lock.lock();
        try {
            Held h = held(id);
            if (h.state == PauseState.RUNNING) return h.sandbox();
            Lock gate = h.gate.writeLock();
            gate.lock();
            try {
                PauseState from = h.state;
                PauseStrategy strategy = from == PauseState.FROZEN ? freezerPause : stopPause;
                Path dir = sandboxesDir.resolve(id);
                long t0 = System.nanoTime();
                long pid;
                try {
                    pid = strategy.resume(h.journal(), dir, h.sandbox().initPid());
                } catch (IOException | RuntimeException e) {
                    throw new CoveException(500, "sandbox_resume_failed", "could not resume sandbox '" + id + "': "
                            + e.getMessage() + " (it stays paused; resume it again or destroy it)", e);
                }
                SandboxJournal j = h.journal();
                h.sandbox = new RuntimeSandbox(id, j.netnsPath(), j.ipv4(), j.hostIpv4(), j.ipv6(), pid, j.rootfs());
                h.state = PauseState.RUNNING;
                try {
                    PauseRecord.delete(dir);
                } catch (IOException e) {
                    log.warn("sandbox {}: cannot remove {} ({}); a restart still finds it running", id,
                            PauseRecord.FILE, e.getMessage());
                }
                log.debug("resumed sandbox {} ({}) in {} us", id, from, (System.nanoTime() - t0) / 1000);
                return h.sandbox();
            } finally {
                gate.unlock();
            }
        } finally {
            lock.unlock();
        }
    }

    /** 409 for a process start in a paused sandbox: it would wait for the thaw, or find no container at all. */
    private static void requireRunning(String id, Held h) {
        if (h.state == PauseState.RUNNING) return;
        throw new CoveException(409, "sandbox_paused", "sandbox '" + id + "' is paused"
                + (h.state == PauseState.STOPPED ? " (its processes were stopped)" : "")
                + "; resume it (connect to it), then start the process again");
    }

    // ---------------------------------------------------------------- exec

    /**
     * Runs {@code argv} in the sandbox as {@code root} or {@code user} (cwd = the user's home, env = PATH, HOME,
     * USER, LANG and the sandbox's variables). On timeout the process and its descendants are killed and the
     * result has exit code 124 (as {@code timeout(1)}) with a note on stderr.
     */
    @Override
    public ExecResult exec(String id, String user, List<String> argv, Duration timeout) {
        Held h = id == null ? null : held.get(id);
        if (h == null) throw CoveException.notFound("sandbox_not_found", "sandbox '" + id + "' not found");
        OciSpec.User u = OciSpec.User.byName(user);
        if (u == null) throw CoveException.badRequest("unknown user '" + user + "': use root or user");
        if (argv == null || argv.isEmpty()) throw CoveException.badRequest("no command given");
        Duration limit = timeout == null || timeout.isZero() || timeout.isNegative() ? DEFAULT_EXEC_TIMEOUT : timeout;
        SandboxJournal j = h.journal();
        Path dir = sandboxesDir.resolve(id);
        String token = UUID.randomUUID().toString().substring(0, 13);
        Path processFile = dir.resolve("exec-" + token + ".json");
        Path pidFile = dir.resolve("exec-" + token + ".pid");
        boolean noNewPrivs = !(config.userSudo() && u.uid() != 0);
        requireRunning(id, h); // without touching the gate: a paused sandbox answers at once
        // held until the command runs in the sandbox, not while it runs (a pause must not wait for it)
        Lock gate = h.gate.readLock();
        gate.lock();
        boolean gated = true;
        try {
            requireRunning(id, h);
            OciSpec.JSON.writeValue(processFile.toFile(), OciSpec.process(u, argv, j.env(), noNewPrivs));
            ProcessBuilder pb = new ProcessBuilder(cli(j.ociRuntime()).execCommand(j.containerId(), processFile, pidFile));
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = pb.start();
            Cmd.Capture out = Cmd.Capture.start(p.getInputStream());
            Cmd.Capture err = Cmd.Capture.start(p.getErrorStream());
            awaitStarted(p, pidFile, limit);
            gate.unlock();
            gated = false;
            boolean finished = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                killTree(pidFile);
                if (!p.waitFor(2, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(2, TimeUnit.SECONDS);
                }
            }
            String stdout = out.text(Duration.ofSeconds(finished ? 5 : 1));
            String stderr = err.text(Duration.ofSeconds(finished ? 5 : 1));
            if (!finished)
                return new ExecResult(124, stdout, stderr + "cove: command timed out after " + limit.toMillis()
                        + " ms and was killed\n");
            return new ExecResult(p.exitValue(), stdout, stderr);
        } catch (IOException e) {
            throw new CoveException(500, "exec_failed", "could not run the command in sandbox '" + id + "': "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            killTree(pidFile);
            Thread.currentThread().interrupt();
            throw new CoveException(500, "exec_failed", "interrupted while running a command in sandbox '" + id + "'", e);
        } finally {
            if (gated) gate.unlock();
            try {
                Files.deleteIfExists(processFile);
                Files.deleteIfExists(pidFile);
            } catch (IOException ignored) {
                // the sandbox directory is deleted with the sandbox anyway
            }
        }
    }

    // ---------------------------------------------------------------- agent API: processes, files, usage

    private Held held(String id) {
        Held h = id == null ? null : held.get(id);
        if (h == null) throw CoveException.notFound("sandbox_not_found", "sandbox '" + id + "' not found");
        return h;
    }

    /**
     * {@code runc exec} (not detached) with a process spec of the requested user, environment and working
     * directory; the container's capabilities, no_new_privs and seccomp filter apply as to every process in it.
     * Processes without a terminal that keep no_new_privs come from the sandbox's spawner instead when it is up
     * (same isolation, a fork instead of a runtime exec; see {@link SpawnerPool}).
     */
    @Override
    public SandboxProcess spawn(String id, ProcessSpec spec) {
        Held h = held(id);
        OciSpec.User u = OciSpec.User.byName(spec.user());
        if (u == null) throw new CoveException(401, "unauthenticated", "invalid username: '" + spec.user() + "'");
        if (spec.argv().isEmpty()) throw new CoveException(400, "invalid_argument", "no command given");
        SandboxJournal j = h.journal();
        Map<String, String> env = new java.util.LinkedHashMap<>();
        for (String kv : OciSpec.environment(u, j.env())) {
            int eq = kv.indexOf('=');
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        for (var e : spec.env().entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().indexOf('=') >= 0 || e.getKey().indexOf('\0') >= 0
                    || e.getValue().indexOf('\0') >= 0)
                throw new CoveException(400, "invalid_argument", "invalid environment variable name '" + e.getKey() + "'");
            env.put(e.getKey(), e.getValue());
        }
        List<String> envList = new ArrayList<>(env.size());
        env.forEach((k, v) -> envList.add(k + "=" + v));
        String cwd = spec.cwd() == null || spec.cwd().isEmpty() ? u.home() : spec.cwd();
        requireRunning(id, h); // without touching the gate: a paused sandbox answers at once
        Lock gate = h.gate.readLock();
        gate.lock();
        try {
            requireRunning(id, h);
            return start(j, spec, u, envList, cwd);
        } finally {
            gate.unlock();
        }
    }

    private SandboxProcess start(SandboxJournal j, ProcessSpec spec, OciSpec.User u, List<String> envList, String cwd) {
        String id = j.id();
        Path dir = sandboxesDir.resolve(id);
        String token = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        Path processFile = dir.resolve("exec-" + token + ".json");
        Path pidFile = dir.resolve("exec-" + token + ".pid");
        boolean noNewPrivs = !(config.userSudo() && u.uid() != 0);
        if (spec.pty() == null && noNewPrivs) {
            // the spawner runs with no_new_privs, so only processes that keep it can come from there
            SandboxProcess fast = spawners.spawn(spawnerTarget(j), spec.argv(), envList, cwd, u, spec.stdin());
            if (fast != null) return fast;
        }
        int[] console = spec.pty() == null ? null
                : new int[] {Math.max(1, spec.pty().cols()), Math.max(1, spec.pty().rows())};
        try {
            OciSpec.JSON.writeValue(processFile.toFile(), OciSpec.process(u, spec.argv(), envList, cwd, noNewPrivs, console));
            return RuncProcess.start(cli(j.ociRuntime()).execCommand(j.containerId(), processFile, pidFile), pidFile, spec);
        } catch (IOException e) {
            throw new CoveException(500, "internal", "could not start a process in sandbox '" + id + "': "
                    + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(processFile);
                Files.deleteIfExists(pidFile);
            } catch (IOException ignored) {
                // deleted with the sandbox
            }
        }
    }

    private SpawnerPool.Target spawnerTarget(SandboxJournal j) {
        OciCli cli = cli(j.ociRuntime());
        // its exec files live outside the sandbox directory, which a destroy may be deleting meanwhile
        return new SpawnerPool.Target(j.id(), Path.of(j.rootfs()), config.dataDir().resolve("spawner"),
                (process, pidFile) -> cli.execCommand(j.containerId(), process, pidFile), j.uidBase());
    }

    /** The node's process spawners (tests). */
    public SpawnerPool spawners() { return spawners; }

    @Override
    public SandboxFiles files(String id) { return held(id).files(); }

    /** Read from the host's {@code /proc} through the sandbox's init: this runtime is on the machine it serves. */
    @Override
    public SocketTable sockets(String id) {
        RuntimeSandbox sandbox = get(id);
        if (sandbox == null) throw CoveException.notFound("sandbox_not_found", "sandbox '" + id + "' not found");
        if (sandbox.initPid() <= 0) return new SocketTable(List.of()); // paused, stopped
        try {
            return SocketTable.ofProcess(sandbox.initPid());
        } catch (IOException e) {
            throw new CoveException(500, "ports_unreadable",
                    "The socket table of sandbox " + id + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Finding the owners walks the host's processes. */
    @Override
    public List<SocketTable.Owned> listeningPorts(String id) {
        SocketTable table = sockets(id);
        if (table.listeners().isEmpty()) return List.of();
        try {
            return SocketTable.owners(table, get(id).initPid());
        } catch (IOException | NullPointerException gone) { // ended between the two reads
            throw CoveException.notFound("sandbox_not_found", "sandbox '" + id + "' not found");
        }
    }

    /** Memory and CPU from the sandbox's cgroups (v1 or v2, found through its init's /proc/&lt;pid&gt;/cgroup). */
    @Override
    public SandboxUsage usage(String id) {
        Held h = held(id);
        SandboxJournal j = h.journal();
        long memTotal = (long) j.memoryMB() << 20;
        long memUsed = 0;
        long memCache = 0;
        long cpuNanos = -1;
        Map<String, Path> dirs = cgroupDirs(h.sandbox().initPid());
        try {
            Path mem = dirs.get("memory");
            if (mem != null) {
                long usage = readLong(mem.resolve("memory.usage_in_bytes"));
                Map<String, Long> stat = readStat(mem.resolve("memory.stat"));
                memCache = stat.getOrDefault("total_cache", stat.getOrDefault("cache", 0L));
                memUsed = Math.max(0, usage - memCache);
            } else if (dirs.containsKey("")) {
                Path v2 = dirs.get("");
                long usage = readLong(v2.resolve("memory.current"));
                memCache = readStat(v2.resolve("memory.stat")).getOrDefault("file", 0L);
                memUsed = Math.max(0, usage - memCache);
            }
            Path cpu = dirs.get("cpuacct");
            if (cpu != null) cpuNanos = readLong(cpu.resolve("cpuacct.usage"));
            else if (dirs.containsKey("")) cpuNanos = readStat(dirs.get("").resolve("cpu.stat")).getOrDefault("usage_usec", 0L) * 1000;
        } catch (IOException | RuntimeException e) {
            log.debug("usage of {}: {}", id, e.toString());
        }
        double pct = 0;
        if (cpuNanos >= 0) {
            long now = System.nanoTime();
            long[] prev = cpuSamples.put(id, new long[] {now, cpuNanos});
            if (prev == null) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return usage(id);
            }
            long wall = now - prev[0];
            if (wall > 0) pct = Math.min(100.0, 100.0 * (cpuNanos - prev[1]) / ((double) wall * Math.max(1, j.cpuCount())));
        }
        long diskUsed = 0;
        long diskTotal = 0;
        SandboxDisk.Usage disk = j.hasDisk() ? SandboxDisk.usage(Path.of(j.diskDir())) : null;
        if (disk != null) {
            diskUsed = disk.usedBytes();
            diskTotal = disk.totalBytes();
        } else if (!j.hasDisk()) {
            diskUsed = legacyUpperBytes(Path.of(j.upperDir()));
        }
        return new SandboxUsage(j.cpuCount(), Math.max(0, pct), memTotal, memUsed, memCache, diskUsed, diskTotal);
    }

    /**
     * Bytes of the regular files in the upper layer of a sandbox made before disks existed; symlinks are not
     * followed (they would measure host files as root).
     */
    private static long legacyUpperBytes(Path upper) {
        try (Stream<Path> s = Files.walk(upper)) {
            return s.mapToLong(p -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    return a.isRegularFile() ? a.size() : 0;
                } catch (IOException e) {
                    return 0; // racing with writes
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /** Controller name ("" for v2) → the cgroup directory of the process. */
    private Map<String, Path> cgroupDirs(long pid) {
        Map<String, Path> out = new java.util.HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length < 3) continue;
                String rel = f[2].startsWith("/") ? f[2].substring(1) : f[2];
                if (f[1].isEmpty()) {
                    if (cgroups.v2Mount() != null) out.put("", cgroups.v2Mount().resolve(rel));
                    continue;
                }
                for (String controller : f[1].split(",")) {
                    for (Path m : cgroups.v1Mounts()) {
                        String mName = m.getFileName().toString();
                        if (List.of(mName.split(",")).contains(controller) && Files.isDirectory(m.resolve(rel))) {
                            out.put(controller, m.resolve(rel));
                        }
                    }
                }
            }
        } catch (IOException ignored) {
            // the sandbox is going away
        }
        return out;
    }

    private static long readLong(Path p) throws IOException { return Long.parseLong(Files.readString(p).strip()); }

    private static Map<String, Long> readStat(Path p) throws IOException {
        Map<String, Long> m = new java.util.HashMap<>();
        for (String line : Files.readAllLines(p)) {
            String[] f = line.split(" ");
            if (f.length == 2) {
                try {
                    m.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException ignored) {
                    // not a number
                }
            }
        }
        return m;
    }

    /**
     * Waits until the runtime's exec has started the command in the sandbox (it writes the pid file then) or has
     * ended, at most {@code limit}: a freeze or stop after that finds the command inside, not the runtime half-way
     * into the container (runc refuses to enter a paused one).
     */
    private static void awaitStarted(Process exec, Path pidFile, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (exec.isAlive() && System.nanoTime() < deadline) {
            try {
                if (Files.size(pidFile) > 0) return;
            } catch (IOException notYet) {
                // not written yet
            }
            Thread.sleep(1);
        }
    }

    /** SIGKILL to the exec'd process (host pid from the runtime's pid file) and everything below it. */
    private static void killTree(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).strip());
            ProcessHandle.of(pid).ifPresent(root -> {
                // Parents before children, from a snapshot taken first: a shell whose child dies before it does runs
                // its next command in between (`sleep 31; echo never` printed "never"), and a child whose parent
                // died first is no longer found among the root's descendants.
                List<ProcessHandle> tree = new ArrayList<>();
                tree.add(root);
                for (int i = 0; i < tree.size(); i++) tree.get(i).children().forEach(tree::add);
                tree.forEach(ProcessHandle::destroyForcibly);
            });
        } catch (IOException | RuntimeException ignored) {
            // not started yet or already gone
        }
    }

    // ---------------------------------------------------------------- egress

    @Override
    public void updateEgress(String id, EgressPolicy policy) {
        held(id);
        egress.update(id, policy, sandboxesDir.resolve(id));
    }

    @Override
    public void checkEgress(EgressPolicy policy) { egress.compile(policy); }

    @Override
    public List<EgressDenial> egressDenials(String id) {
        held(id);
        return egress.denials(id);
    }

    @Override
    public long egressDenialCount(String id) {
        held(id);
        return egress.denialCount(id);
    }

    /** The node's egress control (tests: firewall table name, uninstall). */
    public Egress egress() { return egress; }

    // ---------------------------------------------------------------- lifecycle

    /** Frees the in-memory state and the data directory lock; the sandboxes keep running (see {@link #recover}). */
    @Override
    public void close() {
        diskPool.close(); // the ready disks no sandbox took: a stopped node leaves no loop device, mount or image
        spawners.close();
        held.clear();
        egress.close(sandboxesDir);
        claim.close();
        releaseDataDirLock();
    }

    private void releaseDataDirLock() {
        try {
            dataDirLock.release();
            dataDirLockChannel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    // ---------------------------------------------------------------- helpers

    private ReentrantLock lockFor(String id) { return stripes[Math.floorMod(id.hashCode(), stripes.length)]; }

    private OciCli cli(String name) {
        return ociByName.computeIfAbsent(name, n -> {
            requireTool(n, n);
            Path hide = n.equals("crun") && cgroups.hybridWithV2Controllers() ? cgroups.v2Mount() : null;
            return new OciCli(n, config.dataDir().resolve(n), hide);
        });
    }

    /** auto: crun where it runs as is (it refuses hybrid cgroup hosts whose v2 holds controllers), else runc. */
    static String chooseOciRuntime(String wanted, CgroupLayout cgroups) {
        if (!wanted.equals("auto")) return wanted;
        if (onPath("crun") && !cgroups.hybridWithV2Controllers()) return "crun";
        return "runc";
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String d : path.split(":")) if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) return true;
        return false;
    }

    private static void requireTool(String tool, String debianPackage) {
        if (!onPath(tool))
            throw new IllegalStateException(tool + " not found on PATH; install it (apt-get install " + debianPackage + ")");
    }

    /**
     * Gives every network namespace created from now on its own small TCP hash (1024 buckets) instead of
     * sharing the host's: reading a sandbox's socket table then costs ~0.1 ms instead of ~4 ms. Only namespaces
     * created later are affected, and only when the host has not chosen a value itself.
     */
    private static void enablePerNetnsTcpHash() {
        Path sysctl = Path.of("/proc/sys/net/ipv4/tcp_child_ehash_entries");
        try {
            if (Files.exists(sysctl) && Files.readAllLines(sysctl).getFirst().strip().equals("0"))
                Files.writeString(sysctl, "1024");
        } catch (IOException | RuntimeException e) {
            log.debug("cannot set tcp_child_ehash_entries: {}", e.getMessage());
        }
    }

    /**
     * {@code ip netns add} makes /run/netns a shared bind mount the first time it runs; two first runs in parallel
     * can stack two such mounts. Doing it once here, sequentially, leaves the parallel creates nothing to race on.
     */
    private void prepareNetnsDir() {
        if (MountTable.isMountPoint(Path.of("/run/netns"))) return;
        String probe = config.resourcePrefix() + "-init" + ProcessHandle.current().pid();
        try {
            Cmd.check(List.of("ip", "netns", "add", probe), null, Duration.ofSeconds(10));
            Cmd.check(List.of("ip", "netns", "del", probe), null, Duration.ofSeconds(10));
        } catch (IOException e) {
            throw new IllegalStateException("cannot create network namespaces: " + e.getMessage(), e);
        }
    }

    private static long ms(long nanos) { return nanos / 1_000_000; }
}
