package dev.cove.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.runtime.journal.SandboxJournal;
import dev.cove.runtime.userns.UidRanges;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the OCI runtime spec ({@code config.json}) of a sandbox and the process specs of {@code exec}.
 * Root in a sandbox is not host root (docs/sandbox-confinement.md): a smaller capability set than Docker's,
 * masked and read-only /proc paths, no_new_privs, no core dumps, and a seccomp allow-list
 * ({@code seccomp.json}, Docker's default profile less io_uring, memfd_secret and friends) whose default
 * answer is EPERM, with argument rules for clone, socket and personality.
 */
public final class OciSpec {
    public static final ObjectMapper JSON = new ObjectMapper();

    public static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /**
     * What root keeps (docs/sandbox-confinement.md says why each stays): what package managers, dev servers and
     * compilers need. Gone from Docker's set: NET_RAW (raw and packet sockets; ping uses ICMP datagram sockets),
     * MKNOD (device nodes), SETFCAP (file capabilities), SETPCAP (bounding-set and securebits games) and
     * AUDIT_WRITE (writing into the host's audit log).
     */
    public static final List<String> DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER",
            "CAP_FSETID", "CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT");

    static final List<String> MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");

    static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    /** Every group may open ICMP datagram sockets (ping without CAP_NET_RAW); set in the sandbox's own netns. */
    static final Map<String, String> SYSCTLS = Map.of("net.ipv4.ping_group_range", "0 2147483647");

    /** The seccomp profile without its architectures, read once (a resource: it is data, not code). */
    private static final ObjectNode SECCOMP_PROFILE = loadSeccompProfile();

    /** The sandbox init: PID 1 of the sandbox, reaps orphans (bash reaps every child on SIGCHLD), exits on TERM. */
    public static final List<String> INIT = List.of("/bin/bash", "-c",
            "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done");

    private static final long CPU_PERIOD = 100_000;

    /**
     * Open files per process: 65536, or less when this JVM's own hard limit is lower (the OCI runtime
     * inherits it and, without CAP_SYS_RESOURCE at that point, cannot raise it).
     */
    static final long NOFILE = Math.min(65536, ownHardNofile());

    private static long ownHardNofile() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (!line.startsWith("Max open files")) continue;
                String[] f = line.substring("Max open files".length()).strip().split("\\s+");
                return f[1].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[1]);
            }
        } catch (IOException | RuntimeException ignored) {
            // fall through
        }
        return 1024;
    }

    private OciSpec() {}

    /** A user the runtime can run processes as. */
    public record User(String name, int uid, int gid, List<Integer> additionalGids, String home) {
        public static final User ROOT = new User("root", 0, 0, List.of(), "/root");
        /** The template's {@code user}: uid 1000, member of sudo (gid 27 in Debian's base-passwd). */
        public static final User USER = new User("user", 1000, 1000, List.of(27), "/home/user");

        public static User byName(String name) {
            return switch (name == null ? "" : name) {
                case "root" -> ROOT;
                case "user" -> USER;
                default -> null;
            };
        }
    }

    /** Where the sealed agent ({@code cove-spawner}, a host file) appears in a sandbox: read-only, bind-mounted. */
    public static final String SPAWNER_PATH = "/run/cove/spawner";

    /** The spec without the sealed agent (a template without a host spawner binary, tests). */
    public static ObjectNode config(SandboxJournal j, String hostname) { return config(j, hostname, null); }

    /**
     * The sandbox's spec. With a user namespace ({@link SandboxJournal#hasUserNamespace}) the runtime joins the one
     * the host made ({@link SandboxJournal#userns}, which owns the sandbox's network namespace) and its ids map to
     * the sandbox's host range.
     *
     * @param spawner host path of the sealed agent binary, bind-mounted read-only at {@link #SPAWNER_PATH}; null: none
     */
    public static ObjectNode config(SandboxJournal j, String hostname, Path spawner) {
        return config(j, hostname, spawner, false);
    }

    /** With {@code trustHost}: the host's CA bundle mounted read-only at {@link HostTrust#PATH}. */
    public static ObjectNode config(SandboxJournal j, String hostname, Path spawner, boolean trustHost) {
        ObjectNode c = JSON.createObjectNode();
        c.put("ociVersion", "1.0.2");
        c.set("process", inSandbox(process(User.ROOT, INIT, j.env(), true), j.hasUserNamespace()));
        ObjectNode root = c.putObject("root");
        root.put("path", j.rootfs());
        root.put("readonly", false);
        c.put("hostname", hostname);
        ArrayNode mounts = mounts();
        if (spawner != null) {
            mount(mounts, SPAWNER_PATH, "bind", spawner.toString(), List.of("bind", "ro", "nosuid", "nodev"));
        }
        if (trustHost)
            mount(mounts, HostTrust.PATH, "bind", HostTrust.BUNDLE.toString(), List.of("bind", "ro", "nosuid", "nodev", "noexec"));
        c.set("mounts", mounts);

        ObjectNode linux = c.putObject("linux");
        linux.put("cgroupsPath", j.cgroupsPath());
        ObjectNode resources = linux.putObject("resources");
        ArrayNode devices = resources.putArray("devices");
        devices.addObject().put("allow", false).put("access", "rwm"); // runc/crun then allow the standard devices
        long memory = (long) j.memoryMB() << 20;
        resources.putObject("memory").put("limit", memory).put("swap", memory); // swap = limit: no swap use
        resources.putObject("cpu").put("quota", j.cpuCount() * CPU_PERIOD).put("period", CPU_PERIOD);
        resources.putObject("pids").put("limit", j.pidsLimit());

        ArrayNode ns = linux.putArray("namespaces");
        for (String type : List.of("pid", "ipc", "uts", "mount", "cgroup")) ns.addObject().put("type", type);
        ns.addObject().put("type", "network").put("path", j.netnsPath());
        if (j.hasUserNamespace()) {
            ns.addObject().put("type", "user").put("path", j.userns().toString());
            for (String map : List.of("uidMappings", "gidMappings")) {
                linux.putArray(map).addObject().put("containerID", 0).put("hostID", j.uidBase())
                        .put("size", UidRanges.SIZE);
            }
        }
        linux.set("maskedPaths", strings(MASKED_PATHS));
        linux.set("readonlyPaths", strings(READONLY_PATHS));
        linux.set("seccomp", seccomp());
        ObjectNode sysctl = linux.putObject("sysctl"); // the OCI runtime writes them inside the sandbox's netns
        SYSCTLS.forEach(sysctl::put);
        // in a user namespace the runtime writes them from inside it, where only the sandbox's own gids exist
        if (j.hasUserNamespace()) sysctl.put("net.ipv4.ping_group_range", "0 " + (UidRanges.SIZE - 1));
        return c;
    }

    /** The process spec for {@code runc exec --process} (and the init). */
    public static ObjectNode process(User user, List<String> argv, Map<String, String> sandboxEnv, boolean noNewPrivileges) {
        return process(user, argv, environment(user, sandboxEnv), user.home(), noNewPrivileges, null);
    }

    /**
     * The process spec of an agent API process: {@code env} complete ({@code KEY=value}), {@code cwd} absolute,
     * {@code consoleSize} {cols, rows} for a terminal process, null for pipes.
     */
    public static ObjectNode process(User user, List<String> argv, List<String> env, String cwd, boolean noNewPrivileges,
                                     int[] consoleSize) {
        ObjectNode p = JSON.createObjectNode();
        p.put("terminal", consoleSize != null);
        if (consoleSize != null) p.putObject("consoleSize").put("width", consoleSize[0]).put("height", consoleSize[1]);
        ObjectNode u = p.putObject("user");
        u.put("uid", user.uid()).put("gid", user.gid());
        if (!user.additionalGids().isEmpty()) {
            ArrayNode gids = u.putArray("additionalGids");
            user.additionalGids().forEach(gids::add);
        }
        p.set("args", strings(argv));
        p.set("env", strings(env));
        p.put("cwd", cwd);
        ObjectNode caps = p.putObject("capabilities");
        caps.set("bounding", strings(DEFAULT_CAPS));
        // root gets the default set; other users start with none (like a login shell), sudo gains them back
        List<String> active = user.uid() == 0 ? DEFAULT_CAPS : List.of();
        caps.set("effective", strings(active));
        caps.set("permitted", strings(active));
        caps.set("inheritable", strings(List.of()));
        caps.set("ambient", strings(List.of()));
        ArrayNode rlimits = p.putArray("rlimits");
        rlimits.addObject().put("type", "RLIMIT_NOFILE").put("hard", NOFILE).put("soft", NOFILE);
        // no core files: they would hold the process's secrets, and a crash should not run the host's dump machinery
        rlimits.addObject().put("type", "RLIMIT_CORE").put("hard", 0).put("soft", 0);
        p.put("noNewPrivileges", noNewPrivileges);
        return p;
    }

    /**
     * {@code process} as a sandbox in a user namespace runs it: without rlimits, which the OCI runtime would set with
     * prlimit(2) from outside the namespace, needing CAP_SYS_RESOURCE over the sandbox's ids (a host root without it,
     * as in some containers, is refused). The same limits come from the runtime's own process instead
     * ({@link OciCli#LIMITS}), which passes them down.
     */
    public static ObjectNode inSandbox(ObjectNode process, boolean userNamespace) {
        if (userNamespace) process.remove("rlimits");
        return process;
    }

    /** PATH, HOME, USER, LANG, then the sandbox's own variables (which win). */
    public static List<String> environment(User user, Map<String, String> sandboxEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", PATH);
        env.put("HOME", user.home());
        env.put("USER", user.name());
        env.put("LOGNAME", user.name());
        env.put("LANG", "C.UTF-8");
        env.putAll(sandboxEnv);
        List<String> list = new ArrayList<>();
        env.forEach((k, v) -> list.add(k + "=" + v));
        return list;
    }

    private static ArrayNode mounts() {
        ArrayNode m = JSON.createArrayNode();
        mount(m, "/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev"));
        mount(m, "/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k"));
        mount(m, "/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"));
        mount(m, "/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
        mount(m, "/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev"));
        mount(m, "/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro"));
        mount(m, "/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro"));
        return m;
    }

    private static void mount(ArrayNode m, String destination, String type, String source, List<String> options) {
        ObjectNode o = m.addObject();
        o.put("destination", destination).put("type", type).put("source", source);
        o.set("options", strings(options));
    }

    /**
     * The profile for this machine's architecture: the native ABI and x32 (same audit arch on x86_64) or arm32 on
     * aarch64. The i386 ABI ({@code int 0x80}) is left out: on it libseccomp turns every argument-checked socket
     * rule into an unchecked {@code socketcall(SYS_SOCKET)} rule, so 32-bit code could open any socket family;
     * left out, its calls end the process with SIGSYS (the filter's bad-architecture action).
     */
    static ObjectNode seccomp() {
        ObjectNode s = SECCOMP_PROFILE.deepCopy();
        String arch = System.getProperty("os.arch");
        s.set("architectures", strings(arch.equals("aarch64")
                ? List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM")
                : List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X32")));
        return s;
    }

    private static ObjectNode loadSeccompProfile() {
        try (InputStream in = OciSpec.class.getResourceAsStream("seccomp.json")) {
            if (in == null) throw new IllegalStateException("seccomp.json missing from the runtime's resources");
            ObjectNode profile = (ObjectNode) JSON.readTree(in);
            profile.remove("_about");
            for (JsonNode rule : profile.get("syscalls")) ((ObjectNode) rule).remove("why"); // documentation only
            return profile;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = JSON.createArrayNode();
        values.forEach(a::add);
        return a;
    }
}
