package dev.cove.runtime;

import dev.cove.runtime.disk.SandboxDisk;
import dev.cove.runtime.egress.EgressConfig;
import dev.cove.runtime.net.SlotPool;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a node lays out its sandboxes.
 *
 * @param dataDir          root of the node's state; sandboxes live under {@code dataDir/sandboxes/<id>/},
 *                         the OCI runtime's state under {@code dataDir/oci}
 * @param templateDir      cache of built templates ({@code <name>-<recipeHash>/rootfs}); separate from
 *                         {@code dataDir} so tests and CI can share one cache
 * @param resourcePrefix   prefix of every host-visible name (netns {@code <prefix>-<id>}, container id
 *                         {@code <prefix>-<id>}, veths {@code <prefix><slot>h|s}, cgroup {@code /<prefix>/<id>});
 *                         {@code [a-z][a-z0-9]*}, at most 8 characters; tests use {@code covetest}
 * @param poolSubnet       IPv4 pool, one /30 per sandbox slot (host .1, sandbox .2)
 * @param poolSubnet6      IPv6 ULA /32; slot {@code s} gets {@code <prefix>:<s hex>::/64} (host ::1, sandbox ::2)
 * @param ociRuntime       {@code auto} (crun where it works on this host, else runc), {@code runc} or {@code crun}
 * @param defaultCpuCount  used when a spec asks for 0 CPUs
 * @param defaultMemoryMB  used when a spec asks for 0 MiB
 * @param defaultPidsLimit used when a spec asks for 0 processes
 * @param templateMirror   Debian mirror URI for template builds; null = the host's apt sources
 * @param userSudo         when true, processes of {@code user} run without no_new_privs so that the
 *                         template's passwordless sudo works (E2B behaviour); false keeps no_new_privs
 *                         for every process
 * @param egress           node-wide egress settings (operator deny ranges, resolver upstreams); null = defaults
 * @param fastSpawn        start agent API processes (without a terminal) through a per-sandbox spawner that runs
 *                         inside the sandbox (one runtime exec per sandbox instead of one per process); false:
 *                         every process is a runtime exec
 * @param defaultDiskMB    size of a sandbox's disk (its own ext4 file system: the limit of what it can write) when a
 *                         spec asks for 0 MiB
 * @param maxDiskMB        largest disk a spec may ask for
 * @param diskOvercommit   how many times the free space of the data directory's file system the sandboxes' disks
 *                         may still claim (images are sparse: they take space only as the sandbox writes); a create
 *                         beyond it is refused with 507
 * @param diskPoolSize     how many formatted and mounted disks of {@code defaultDiskMB} the node keeps ready, so a
 *                         create of that size does not wait for mkfs and mount; 0: off, negative: the default (2)
 * @param userNamespaces   each sandbox in a user namespace of its own, its ids a host range of its own (sandbox root
 *                         is not host root); false: sandbox ids are the host's (hosts whose kernel lacks idmapped
 *                         mounts, or to measure what the namespace costs)
 */
public record RuntimeConfig(Path dataDir, Path templateDir, String resourcePrefix, String poolSubnet,
                            String poolSubnet6, String ociRuntime, int defaultCpuCount, int defaultMemoryMB,
                            int defaultPidsLimit, String templateMirror, boolean userSudo, EgressConfig egress,
                            boolean fastSpawn, int defaultDiskMB, int maxDiskMB, double diskOvercommit,
                            int diskPoolSize, boolean userNamespaces) {

    public static final int DEFAULT_DISK_MB = 10_240;
    public static final double DEFAULT_DISK_OVERCOMMIT = 4.0;
    /** Two ready disks: a burst of creates beyond it makes its own disks (as with the pool off) while it refills. */
    public static final int DEFAULT_DISK_POOL = 2;

    /** With user namespaces. */
    public RuntimeConfig(Path dataDir, Path templateDir, String resourcePrefix, String poolSubnet,
                         String poolSubnet6, String ociRuntime, int defaultCpuCount, int defaultMemoryMB,
                         int defaultPidsLimit, String templateMirror, boolean userSudo, EgressConfig egress,
                         boolean fastSpawn, int defaultDiskMB, int maxDiskMB, double diskOvercommit, int diskPoolSize) {
        this(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime, defaultCpuCount,
                defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, egress, fastSpawn, defaultDiskMB, maxDiskMB,
                diskOvercommit, diskPoolSize, true);
    }

    /** With the default disk pool. */
    public RuntimeConfig(Path dataDir, Path templateDir, String resourcePrefix, String poolSubnet,
                         String poolSubnet6, String ociRuntime, int defaultCpuCount, int defaultMemoryMB,
                         int defaultPidsLimit, String templateMirror, boolean userSudo, EgressConfig egress,
                         boolean fastSpawn, int defaultDiskMB, int maxDiskMB, double diskOvercommit) {
        this(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime, defaultCpuCount,
                defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, egress, fastSpawn, defaultDiskMB, maxDiskMB,
                diskOvercommit, -1);
    }

    /** With the default disk limits. */
    public RuntimeConfig(Path dataDir, Path templateDir, String resourcePrefix, String poolSubnet,
                         String poolSubnet6, String ociRuntime, int defaultCpuCount, int defaultMemoryMB,
                         int defaultPidsLimit, String templateMirror, boolean userSudo, EgressConfig egress,
                         boolean fastSpawn) {
        this(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime, defaultCpuCount,
                defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, egress, fastSpawn, 0, 0, 0);
    }

    /** With the process spawner on. */
    public RuntimeConfig(Path dataDir, Path templateDir, String resourcePrefix, String poolSubnet,
                         String poolSubnet6, String ociRuntime, int defaultCpuCount, int defaultMemoryMB,
                         int defaultPidsLimit, String templateMirror, boolean userSudo, EgressConfig egress) {
        this(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime, defaultCpuCount,
                defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, egress, true);
    }

    /** Without egress settings (defaults: no operator ranges, the host's resolvers). */
    public RuntimeConfig(Path dataDir, Path templateDir, String resourcePrefix, String poolSubnet,
                         String poolSubnet6, String ociRuntime, int defaultCpuCount, int defaultMemoryMB,
                         int defaultPidsLimit, String templateMirror, boolean userSudo) {
        this(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime, defaultCpuCount,
                defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, null);
    }

    private static final Pattern PREFIX = Pattern.compile("^[a-z][a-z0-9]{0,7}$");

    public RuntimeConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        dataDir = dataDir.toAbsolutePath().normalize();
        templateDir = templateDir == null ? dataDir.resolve("templates") : templateDir.toAbsolutePath().normalize();
        resourcePrefix = resourcePrefix == null ? "cove" : resourcePrefix;
        if (!PREFIX.matcher(resourcePrefix).matches())
            throw new IllegalArgumentException("resourcePrefix must be a lowercase letter followed by lowercase letters"
                    + " or digits, at most 8 characters (it is part of 15-character interface names), got '"
                    + resourcePrefix + "'");
        poolSubnet = poolSubnet == null ? "10.200.0.0/16" : poolSubnet;
        SlotPool.pool4(poolSubnet); // validates: at least a /30
        poolSubnet6 = poolSubnet6 == null ? "fd63:6f76::/32" : poolSubnet6;
        SlotPool.pool6(poolSubnet6);
        ociRuntime = ociRuntime == null ? "auto" : ociRuntime;
        if (!ociRuntime.equals("auto") && !ociRuntime.equals("runc") && !ociRuntime.equals("crun"))
            throw new IllegalArgumentException("ociRuntime must be auto, runc or crun, got '" + ociRuntime + "'");
        if (defaultCpuCount <= 0) defaultCpuCount = 2;
        if (defaultMemoryMB <= 0) defaultMemoryMB = 512;
        if (defaultPidsLimit <= 0) defaultPidsLimit = 1024;
        egress = egress == null ? EgressConfig.DEFAULT : egress;
        if (defaultDiskMB <= 0) defaultDiskMB = DEFAULT_DISK_MB;
        if (maxDiskMB <= 0) maxDiskMB = Math.max(DEFAULT_DISK_MB, defaultDiskMB);
        if (diskOvercommit <= 0) diskOvercommit = DEFAULT_DISK_OVERCOMMIT;
        if (diskPoolSize < 0) diskPoolSize = DEFAULT_DISK_POOL;
        if (defaultDiskMB < SandboxDisk.MIN_SIZE_MB)
            throw new IllegalArgumentException("the default disk size must be at least " + SandboxDisk.MIN_SIZE_MB
                    + " MiB, got " + defaultDiskMB);
        if (defaultDiskMB > maxDiskMB)
            throw new IllegalArgumentException("the default disk size (" + defaultDiskMB + " MiB) is larger than the"
                    + " maximum (" + maxDiskMB + " MiB)");
    }

    /** Production defaults for a node whose state lives in {@code dataDir}. */
    public static RuntimeConfig defaults(Path dataDir) {
        return new RuntimeConfig(dataDir, null, "cove", "10.200.0.0/16", "fd63:6f76::/32", "auto",
                2, 512, 1024, null, false);
    }

    public RuntimeConfig withTemplateDir(Path dir) {
        return new RuntimeConfig(dataDir, dir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime,
                defaultCpuCount, defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, egress, fastSpawn,
                defaultDiskMB, maxDiskMB, diskOvercommit, diskPoolSize, userNamespaces);
    }

    public RuntimeConfig withResourcePrefix(String prefix) {
        return new RuntimeConfig(dataDir, templateDir, prefix, poolSubnet, poolSubnet6, ociRuntime,
                defaultCpuCount, defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, egress, fastSpawn,
                defaultDiskMB, maxDiskMB, diskOvercommit, diskPoolSize, userNamespaces);
    }

    public RuntimeConfig withPool(String subnet4, String subnet6) {
        return new RuntimeConfig(dataDir, templateDir, resourcePrefix, subnet4, subnet6, ociRuntime,
                defaultCpuCount, defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, egress, fastSpawn,
                defaultDiskMB, maxDiskMB, diskOvercommit, diskPoolSize, userNamespaces);
    }

    public RuntimeConfig withOciRuntime(String runtime) {
        return new RuntimeConfig(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, runtime,
                defaultCpuCount, defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, egress, fastSpawn,
                defaultDiskMB, maxDiskMB, diskOvercommit, diskPoolSize, userNamespaces);
    }

    public RuntimeConfig withDefaultLimits(int cpuCount, int memoryMB, int pidsLimit) {
        return new RuntimeConfig(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime,
                cpuCount, memoryMB, pidsLimit, templateMirror, userSudo, egress, fastSpawn,
                defaultDiskMB, maxDiskMB, diskOvercommit, diskPoolSize, userNamespaces);
    }

    public RuntimeConfig withTemplateMirror(String mirror) {
        return new RuntimeConfig(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime,
                defaultCpuCount, defaultMemoryMB, defaultPidsLimit, mirror, userSudo, egress, fastSpawn,
                defaultDiskMB, maxDiskMB, diskOvercommit, diskPoolSize, userNamespaces);
    }

    public RuntimeConfig withEgress(EgressConfig config) {
        return new RuntimeConfig(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime,
                defaultCpuCount, defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, config, fastSpawn,
                defaultDiskMB, maxDiskMB, diskOvercommit, diskPoolSize, userNamespaces);
    }

    public RuntimeConfig withUserSudo(boolean allow) {
        return new RuntimeConfig(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime,
                defaultCpuCount, defaultMemoryMB, defaultPidsLimit, templateMirror, allow, egress, fastSpawn,
                defaultDiskMB, maxDiskMB, diskOvercommit, diskPoolSize, userNamespaces);
    }

    /** Disk size when a spec says nothing, the largest a spec may ask for, and the overcommit factor (0: default). */
    public RuntimeConfig withDisk(int defaultMB, int maxMB, double overcommit) {
        return new RuntimeConfig(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime,
                defaultCpuCount, defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, egress, fastSpawn,
                defaultMB, maxMB, overcommit, diskPoolSize, userNamespaces);
    }

    public RuntimeConfig withFastSpawn(boolean on) {
        return new RuntimeConfig(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime,
                defaultCpuCount, defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, egress, on,
                defaultDiskMB, maxDiskMB, diskOvercommit, diskPoolSize, userNamespaces);
    }

    /** Ready disks the node keeps (0: every create makes its own). */
    public RuntimeConfig withDiskPool(int size) {
        return new RuntimeConfig(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime,
                defaultCpuCount, defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, egress, fastSpawn,
                defaultDiskMB, maxDiskMB, diskOvercommit, Math.max(0, size), userNamespaces);
    }

    /** Sandboxes in user namespaces of their own (the default) or with the host's ids. */
    public RuntimeConfig withUserNamespaces(boolean on) {
        return new RuntimeConfig(dataDir, templateDir, resourcePrefix, poolSubnet, poolSubnet6, ociRuntime,
                defaultCpuCount, defaultMemoryMB, defaultPidsLimit, templateMirror, userSudo, egress, fastSpawn,
                defaultDiskMB, maxDiskMB, diskOvercommit, diskPoolSize, on);
    }
}
