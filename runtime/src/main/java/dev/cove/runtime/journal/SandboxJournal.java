package dev.cove.runtime.journal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cove.runtime.disk.SandboxDisk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code dataDir/sandboxes/<id>/runtime.json}: written before anything of the sandbox is created, it lists
 * every host resource the sandbox will own, so a destroy or a restart can free them even when the create
 * died half-way. Not fsync'ed on purpose: every resource listed (netns, mounts, cgroups, processes) dies
 * with the machine too, and the page cache survives a JVM crash.
 *
 * <p>{@code diskImage} (the sparse ext4 image, {@code <dir>/disk.img}) and {@code diskDir} (its mount point, holding
 * {@code upper/}, {@code work/} and {@code console.log}) are listed here before the image is made; the loop device
 * between them is not: the kernel names it (through its backing file, see {@link SandboxDisk#loopsBackedBy}), so a
 * crash between attaching and writing its number could not lose it. Journals of sandboxes made before disks existed
 * have neither (null) and keep their upper layer on the host's file system.
 *
 * <p>{@code uidBase} is the first host id of the sandbox's user namespace (container id {@code n} is host id
 * {@code uidBase + n}, {@link dev.cove.runtime.userns.UidRanges}); 0 in journals of sandboxes made before user
 * namespaces, whose ids are the host's. With a user namespace, that namespace is bound at {@link #userns()} (it owns
 * the sandbox's network namespace) and the template is seen through an idmapped mount at {@link #lowerDir()}.
 *
 * <p>{@code layers} are the host directories of the {@link dev.cove.runtime.layers.LayerStore layers} stacked over the
 * template's base ({@code templateRootfs}), bottom to top; empty in journals before layers. With a user namespace
 * each is seen through its own idmapped mount ({@link #lowerMounts()}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SandboxJournal(int version, String id, String template, String templateRootfs, int slot,
                             String netns, String hostVeth, String sandboxVeth, String hostIpv4, String ipv4,
                             String hostIpv6, String ipv6, String rootfs, String upperDir, String workDir,
                             String cgroupsPath, String containerId, String ociRuntime, String ociRoot,
                             Map<String, String> env, int cpuCount, int memoryMB, int pidsLimit, long createdAtMillis,
                             String diskImage, String diskDir, int diskSizeMB, long uidBase, List<String> layers) {

    public static final String FILE = "runtime.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public SandboxJournal {
        env = env == null ? Map.of() : Map.copyOf(env);
        layers = layers == null ? List.of() : List.copyOf(layers);
    }

    /** Without layers over the template (journals before layers, and sandboxes on a bare template). */
    public SandboxJournal(int version, String id, String template, String templateRootfs, int slot, String netns,
                          String hostVeth, String sandboxVeth, String hostIpv4, String ipv4, String hostIpv6,
                          String ipv6, String rootfs, String upperDir, String workDir, String cgroupsPath,
                          String containerId, String ociRuntime, String ociRoot, Map<String, String> env, int cpuCount,
                          int memoryMB, int pidsLimit, long createdAtMillis, String diskImage, String diskDir,
                          int diskSizeMB, long uidBase) {
        this(version, id, template, templateRootfs, slot, netns, hostVeth, sandboxVeth, hostIpv4, ipv4, hostIpv6, ipv6,
                rootfs, upperDir, workDir, cgroupsPath, containerId, ociRuntime, ociRoot, env, cpuCount, memoryMB,
                pidsLimit, createdAtMillis, diskImage, diskDir, diskSizeMB, uidBase, List.of());
    }

    /** Without a disk of its own (the upper layer on the host's file system), as journals before disks were. */
    public SandboxJournal(int version, String id, String template, String templateRootfs, int slot, String netns,
                          String hostVeth, String sandboxVeth, String hostIpv4, String ipv4, String hostIpv6,
                          String ipv6, String rootfs, String upperDir, String workDir, String cgroupsPath,
                          String containerId, String ociRuntime, String ociRoot, Map<String, String> env, int cpuCount,
                          int memoryMB, int pidsLimit, long createdAtMillis) {
        this(version, id, template, templateRootfs, slot, netns, hostVeth, sandboxVeth, hostIpv4, ipv4, hostIpv6, ipv6,
                rootfs, upperDir, workDir, cgroupsPath, containerId, ociRuntime, ociRoot, env, cpuCount, memoryMB,
                pidsLimit, createdAtMillis, null, null, 0, 0);
    }

    /** With a disk of its own and the host's ids (no user namespace). */
    public SandboxJournal(int version, String id, String template, String templateRootfs, int slot, String netns,
                          String hostVeth, String sandboxVeth, String hostIpv4, String ipv4, String hostIpv6,
                          String ipv6, String rootfs, String upperDir, String workDir, String cgroupsPath,
                          String containerId, String ociRuntime, String ociRoot, Map<String, String> env, int cpuCount,
                          int memoryMB, int pidsLimit, long createdAtMillis, String diskImage, String diskDir,
                          int diskSizeMB) {
        this(version, id, template, templateRootfs, slot, netns, hostVeth, sandboxVeth, hostIpv4, ipv4, hostIpv6, ipv6,
                rootfs, upperDir, workDir, cgroupsPath, containerId, ociRuntime, ociRoot, env, cpuCount, memoryMB,
                pidsLimit, createdAtMillis, diskImage, diskDir, diskSizeMB, 0);
    }

    /** True when the sandbox runs in a user namespace of its own (its ids are not the host's). */
    public boolean hasUserNamespace() { return uidBase != 0; }

    /** Mount point of the template seen through the sandbox's id mapping (with a user namespace). */
    public Path lowerDir() { return Path.of(rootfs).resolveSibling("lower"); }

    /**
     * The host directories below the upper layer, bottom to top: the template's base rootfs, then each of
     * {@link #layers()}.
     */
    public List<String> lowerSources() {
        List<String> all = new ArrayList<>(layers.size() + 1);
        all.add(templateRootfs);
        all.addAll(layers);
        return all;
    }

    /**
     * Where each of {@link #lowerSources()} is mounted through the sandbox's id mapping (with a user namespace):
     * {@link #lowerDir()} for the base (as before layers), {@code lower-<i>} beside it for the i-th layer (from 1).
     */
    public List<Path> lowerMounts() {
        List<Path> all = new ArrayList<>(layers.size() + 1);
        all.add(lowerDir());
        for (int i = 1; i <= layers.size(); i++) all.add(Path.of(rootfs).resolveSibling("lower-" + i));
        return all;
    }

    /** Where the sandbox's user namespace is bound (a file, like a named network namespace). */
    public Path userns() { return Path.of(rootfs).resolveSibling("userns"); }

    public boolean hasDisk() { return diskImage != null && diskDir != null; }

    /**
     * Where the container's stdout and stderr (and the OCI runtime's own errors) go: inside the sandbox's disk, so
     * what the sandbox writes to its init's stdio ({@code /proc/1/fd/1}) counts against its own quota and can never
     * grow a host file beyond it. Before disks: the sandbox directory.
     */
    public Path consoleLog() {
        return hasDisk() ? Path.of(diskDir, "console.log") : Path.of(rootfs).resolveSibling("console.log");
    }

    public String netnsPath() { return "/run/netns/" + netns; }

    /**
     * mount(2) data of the sandbox's overlay root: the template and its layers read-only below the sandbox's own upper
     * layer ({@code lowerdir} lists the top first).
     */
    public String overlayOptions() {
        List<String> lowers = hasUserNamespace() ? lowerMounts().stream().map(Path::toString).toList() : lowerSources();
        return "lowerdir=" + String.join(":", lowers.reversed()) + ",upperdir=" + upperDir + ",workdir=" + workDir;
    }

    public void write(Path sandboxDir) throws IOException {
        Path tmp = sandboxDir.resolve(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, sandboxDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The journal in {@code sandboxDir}, or null when it is missing or unreadable. */
    public static SandboxJournal read(Path sandboxDir) {
        Path file = sandboxDir.resolve(FILE);
        if (!Files.isRegularFile(file)) return null;
        try {
            return JSON.readValue(file.toFile(), SandboxJournal.class);
        } catch (IOException e) {
            return null;
        }
    }
}
