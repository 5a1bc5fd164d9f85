package dev.cove.runtime;

import dev.cove.core.runtime.SandboxSpec;
import dev.cove.runtime.journal.SandboxJournal;

import dev.cove.runtime.process.SpawnerBinary;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared set-up of the runtime tests: names, pool and template cache that never collide with a real node. */
final class TestSupport {
    static final String PREFIX = "covetest";
    static final String POOL4 = "10.201.0.0/16";
    static final String POOL6 = "fd63:6f77::/32";
    /** Every sandbox id a test in this JVM created, to prove at the end that none of their netns remains. */
    static final Set<String> CREATED = ConcurrentHashMap.newKeySet();

    private TestSupport() {}

    static Path templateCache() {
        String env = System.getenv("COVE_TEMPLATE_CACHE");
        return Path.of(env == null || env.isBlank() ? "/var/cache/cove/templates" : env);
    }

    /** The host binary of the sealed agent that the runtime of {@code dataDir} mounts into its sandboxes. */
    static Path spawnerBinary(Path dataDir) { return SpawnerBinary.path(dataDir); }

    static boolean isRoot() {
        try {
            return run("id", "-u").strip().equals("0");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** COVE_TEST_OCI_RUNTIME=runc|crun|auto runs the suite on another OCI runtime (default: auto). */
    static RuntimeConfig config(Path dataDir) {
        String oci = System.getenv("COVE_TEST_OCI_RUNTIME");
        return RuntimeConfig.defaults(dataDir).withTemplateDir(templateCache()).withResourcePrefix(PREFIX)
                .withPool(POOL4, POOL6).withOciRuntime(oci == null || oci.isBlank() ? "auto" : oci)
                .withEgress(OFFLINE);
    }

    /**
     * Tests never send anything beyond the host: every address is an operator-denied range, and the sandboxes'
     * resolver forwards to a closed loopback port (lookups fail at once). {@code EgressTest} builds its own internet.
     */
    static final dev.cove.runtime.egress.EgressConfig OFFLINE = dev.cove.runtime.egress.EgressConfig.DEFAULT
            .withDenyOut(List.of("0.0.0.0/0", "::/0")).withDnsUpstreams(List.of("127.0.0.1:9"));

    static SandboxSpec spec(String id) { return spec(id, 1, 256, 256, Map.of()); }

    static SandboxSpec spec(String id, int cpu, int memoryMB, int pids, Map<String, String> env) {
        CREATED.add(id);
        return new SandboxSpec(id, "base", cpu, memoryMB, pids, env);
    }

    /** Runs a host command and returns its stdout (fails the test on a non-zero exit). */
    static String run(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", argv) + " timed out");
            }
            if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", argv) + " failed: " + out);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String sh(String cmd) { return run("sh", "-c", cmd); }

    /** A host command whose failure does not matter (clean-up of what may not exist). */
    static void shQuiet(String cmd) {
        try {
            new ProcessBuilder("sh", "-c", cmd + " 2>/dev/null").start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException ignored) {
            // best effort
        }
    }

    /** Removes the sandboxes' empty parent cgroups of these prefixes; one still in use stays, for the leak checks. */
    static void removeCgroupParents(String... prefixes) {
        for (Path m : cgroupMounts()) {
            for (String p : prefixes) {
                try {
                    Files.deleteIfExists(m.resolve(p));
                } catch (IOException e) {
                    // still in use: the leftover checks name what
                }
            }
        }
    }

    /** Every cgroup hierarchy mount point (v1 and v2) of the host. */
    static List<Path> cgroupMounts() {
        List<Path> mounts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] f = line.split(" ");
                if (f[2].equals("cgroup") || f[2].equals("cgroup2")) mounts.add(Path.of(f[1]));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return mounts;
    }

    /** What a destroyed sandbox must not leave: netns, veth, mounts, loop device, cgroups, container, directory. */
    static void assertNothingLeft(RuntimeConfig config, String id, SandboxJournal journal) throws IOException {
        String prefix = config.resourcePrefix();
        String netns = prefix + "-" + id;
        assertThat(run("ip", "netns", "list")).as("netns list").doesNotContain(netns);
        if (journal != null && journal.hostVeth() != null) {
            String links = run("ip", "-o", "link", "show");
            assertThat(links).as("host links").doesNotContain(journal.hostVeth() + "@").doesNotContain(journal.hostVeth() + ":");
        }
        Path dir = config.dataDir().resolve("sandboxes").resolve(id);
        assertThat(Files.readString(Path.of("/proc/mounts"))).as("mounts").doesNotContain(dir.toString());
        assertThat(loopBackingFiles()).as("loop devices' backing files").noneMatch(f -> f.startsWith(dir.toString()));
        if (journal != null && journal.hasDisk() && !journal.diskImage().startsWith(dir.toString())) {
            // a disk taken from the pool lives in its pool entry, not in the sandbox directory
            Path entry = Path.of(journal.diskImage()).getParent();
            assertThat(Files.readString(Path.of("/proc/mounts"))).as("mounts").doesNotContain(entry.toString());
            assertThat(loopBackingFiles()).as("loop devices' backing files").noneMatch(f -> f.startsWith(entry.toString()));
            assertThat(entry).as("pool entry of the sandbox's disk").doesNotExist();
        }
        for (Path m : cgroupMounts())
            assertThat(m.resolve(prefix).resolve(id)).as("cgroup dir in " + m).doesNotExist();
        for (String oci : List.of("runc", "crun")) {
            Path ociRoot = config.dataDir().resolve(oci);
            if (Files.isDirectory(ociRoot))
                assertThat(run(oci, "--root", ociRoot.toString(), "list", "-q")).as(oci + " list").doesNotContain(netns);
        }
        assertThat(dir).as("sandbox dir").doesNotExist();
        assertThat(uidRangeClaims()).as("uid range claims").doesNotContain(prefix + " " + id);
        assertThat(Path.of("/run/cove/roots", prefix, id)).as("root file system directory").doesNotExist();
    }

    /** The owners ({@code <prefix> <sandbox id>}) of every sandbox uid range claimed on this host. */
    static List<String> uidRangeClaims() throws IOException {
        List<String> owners = new ArrayList<>();
        Path dir = Path.of("/run/cove/uid-ranges");
        if (!Files.isDirectory(dir)) return owners;
        try (var claims = Files.newDirectoryStream(dir)) {
            for (Path claim : claims) {
                try {
                    owners.add(Files.readString(claim).strip());
                } catch (java.nio.file.NoSuchFileException gone) {
                    // released meanwhile
                }
            }
        }
        return owners;
    }

    /** The backing file of every attached loop device (the kernel's record, as {@code losetup -a} shows it). */
    static List<String> loopBackingFiles() throws IOException {
        List<String> files = new ArrayList<>();
        try (var loops = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
            for (Path loop : loops) {
                Path backing = loop.resolve("loop/backing_file");
                if (Files.exists(backing)) files.add(Files.readString(backing).strip());
            }
        }
        return files;
    }

    static void assertNoCreatedNetnsLeft() {
        String list = run("ip", "netns", "list");
        for (String id : CREATED) assertThat(list).as("netns of " + id).doesNotContain(PREFIX + "-" + id);
    }

    static String newId(String tag) {
        return tag + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    }
}
