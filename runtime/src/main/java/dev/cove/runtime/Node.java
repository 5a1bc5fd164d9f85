package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.runtime.cgroup.CgroupLayout;
import dev.cove.runtime.disk.DiskBudget;
import dev.cove.runtime.disk.DiskPool;
import dev.cove.runtime.disk.SandboxDisk;
import dev.cove.runtime.egress.Egress;
import dev.cove.runtime.egress.Firewall;
import dev.cove.runtime.journal.SandboxJournal;
import dev.cove.runtime.layers.LayerStore;
import dev.cove.runtime.net.HostClaim;
import dev.cove.runtime.net.SlotPool;
import dev.cove.runtime.oci.OciCli;
import dev.cove.runtime.pause.FreezerPause;
import dev.cove.runtime.pause.StopPause;
import dev.cove.runtime.process.SpawnerBinary;
import dev.cove.runtime.process.SpawnerPool;
import dev.cove.runtime.template.TemplateStore;
import dev.cove.runtime.userns.ReadyRanges;
import dev.cove.runtime.userns.SandboxNamespaces;
import dev.cove.runtime.userns.UidRanges;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the parts of one runtime share: the node's resources (data directory lock, host claim, slots, cgroups, OCI
 * runtimes, templates, egress, spawners, pause strategies, disks), the sandboxes it holds, and a lock per id (64
 * stripes) that create, destroy, recover, pause and resume take. Made once by {@link OciRuntime}.
 */
final class Node {
    private static final Logger log = LoggerFactory.getLogger(OciRuntime.class);

    /** User and network namespaces kept ready for creates (each holds a process until taken). */
    private static final int READY_NAMESPACES = 2;

    final RuntimeConfig config;
    final Path sandboxesDir;
    final SlotPool slots;
    final CgroupLayout cgroups;
    final OciCli oci;
    private final Map<String, OciCli> ociByName = new ConcurrentHashMap<>();
    final TemplateStore templates;
    /** The layers sandboxes stack over templates, under the template directory (shared by the nodes using it). */
    final LayerStore layers;
    /** Creates hold it shared from resolving their layers until they are mounted; deleting a layer holds it alone. */
    final ReentrantReadWriteLock layersInUse = new ReentrantReadWriteLock();
    final Egress egress;
    final SpawnerPool spawners;
    final FreezerPause freezerPause;
    final StopPause stopPause;
    final DiskBudget diskBudget;
    final DiskPool diskPool;
    /** The host-wide registry of sandbox uid ranges (this node's claims in it). */
    final UidRanges uidRanges;
    /** Sandbox uid ranges with their namespaces made ahead; null when new sandboxes get the host's ids. */
    final ReadyRanges namespaces;
    /** The sealed agent's host binary, bind-mounted into every sandbox; null without the spawner. */
    final Path spawnerBinary;
    final Map<String, HeldSandbox> held = new ConcurrentHashMap<>();
    private final ReentrantLock[] stripes = new ReentrantLock[64];
    private final FileChannel dataDirLockChannel;
    private final FileLock dataDirLock;
    private final HostClaim claim;

    Node(RuntimeConfig config) {
        this.config = config;
        for (int i = 0; i < stripes.length; i++) stripes[i] = new ReentrantLock();
        this.sandboxesDir = config.dataDir().resolve("sandboxes");
        this.slots = new SlotPool(config.poolSubnet(), config.poolSubnet6(), config.resourcePrefix());
        this.cgroups = CgroupLayout.detect();
        this.templates = new TemplateStore(config.templateDir(), config.templateMirror());
        this.layers = new LayerStore(config.templateDir());
        layers.sweep();
        HostSetup.requireTool("ip", "iproute2");
        SandboxDisk.requireTools();
        this.diskBudget = new DiskBudget(config.dataDir(), config.diskOvercommit());
        String runtimeName = HostSetup.chooseOciRuntime(config.ociRuntime(), cgroups);
        this.oci = cli(runtimeName);
        this.spawners = new SpawnerPool(config.fastSpawn());
        this.spawnerBinary = config.fastSpawn() ? SpawnerBinary.install(config.dataDir()) : null;
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
        HostSetup.enablePerNetnsTcpHash();
        HostSetup.prepareNetnsDir(config.resourcePrefix());
        HostSetup.requireTool("nft", "nftables");
        try {
            this.egress = new Egress(config.resourcePrefix(), config.poolSubnet(), config.poolSubnet6(), config.egress());
        } catch (IOException e) {
            claim.close();
            releaseDataDirLock();
            throw new UncheckedIOException("cannot set up egress control: " + e.getMessage(), e);
        }
        this.uidRanges = new UidRanges(config.resourcePrefix());
        uidRanges.sweep(sandboxDirNames()); // claims of sandboxes whose directory is gone, and of dead servers' ready ones
        if (config.userNamespaces()) {
            HostSetup.requireTool("setpriv", "util-linux");
            this.namespaces = new ReadyRanges(uidRanges, READY_NAMESPACES);
            namespaces.start();
        } else {
            this.namespaces = null;
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

    /** The held sandbox, or 404. */
    HeldSandbox held(String id) {
        HeldSandbox h = id == null ? null : held.get(id);
        if (h == null) throw CoveException.notFound("sandbox_not_found", "sandbox '" + id + "' not found");
        return h;
    }

    ReentrantLock lockFor(String id) { return stripes[Math.floorMod(id.hashCode(), stripes.length)]; }

    Path dir(String id) { return sandboxesDir.resolve(id); }

    /** The OCI runtime a sandbox was made with (its journal names it), checked on PATH once. */
    OciCli cli(String name) {
        return ociByName.computeIfAbsent(name, n -> {
            HostSetup.requireTool(n, n);
            Path hide = n.equals("crun") && cgroups.hybridWithV2Controllers() ? cgroups.v2Mount() : null;
            return new OciCli(n, config.dataDir().resolve(n), hide);
        });
    }

    /** What the held sandboxes may still write to their disks: each one's size minus what it holds already. */
    long unwrittenDiskBytes() {
        long sum = 0;
        for (HeldSandbox h : held.values()) {
            SandboxJournal j = h.journal;
            if (!j.hasDisk()) continue;
            SandboxDisk.Usage u = SandboxDisk.usage(Path.of(j.diskDir()));
            long size = (long) j.diskSizeMB() << 20;
            sum += u == null ? size : Math.max(0, size - u.usedBytes());
        }
        return sum;
    }

    /** The ids of the sandbox directories (live or to be swept by recover, whose teardown frees what they hold). */
    private Set<String> sandboxDirNames() {
        try (Stream<Path> s = Files.list(sandboxesDir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + sandboxesDir, e);
        }
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

    /** The sandbox's network as the firewall knows it. */
    static Firewall.SandboxNet net(SandboxJournal j) {
        return new Firewall.SandboxNet(j.slot(), j.hostVeth(), j.hostIpv4(), j.ipv4(), j.hostIpv6(), j.ipv6());
    }

    /** Frees the in-memory state and the data directory lock; the sandboxes keep running. */
    void close() {
        diskPool.close(); // the ready disks no sandbox took: a stopped node leaves no loop device, mount or image
        if (namespaces != null) namespaces.close();
        SandboxNamespaces.removePrefixDirIfEmpty(config.resourcePrefix());
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

    static long ms(long nanos) { return nanos / 1_000_000; }
}
