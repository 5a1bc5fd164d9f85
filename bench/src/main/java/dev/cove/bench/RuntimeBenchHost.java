package dev.cove.bench;

import dev.cove.runtime.RuntimeConfig;
import dev.cove.runtime.egress.EgressConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the benchmarks of the runtime alone (no API, no edge) share: a runtime configuration with the bench's own
 * prefix and pools (so it runs next to the test suites and a real node), sandboxes that reach nothing beyond the
 * host, and host commands.
 */
final class RuntimeBenchHost {
    private RuntimeBenchHost() {}

    /**
     * Nothing leaves the host: every address is an operator-denied range, and the sandboxes' resolver forwards to a
     * closed loopback port. COVE_TEMPLATE_CACHE (default /var/cache/cove/templates) holds the built templates;
     * COVE_BENCH_OCI_RUNTIME=runc|crun|auto picks the OCI runtime (default: auto); COVE_BENCH_USER_NAMESPACES=false
     * gives sandboxes the host's ids (to measure what the user namespace costs).
     */
    static RuntimeConfig config(Path dataDir, String prefix, String pool4, String pool6) {
        String cache = System.getenv("COVE_TEMPLATE_CACHE");
        String oci = System.getenv("COVE_BENCH_OCI_RUNTIME");
        return RuntimeConfig.defaults(dataDir)
                .withTemplateDir(Path.of(cache == null || cache.isBlank() ? "/var/cache/cove/templates" : cache))
                .withResourcePrefix(prefix).withPool(pool4, pool6)
                .withOciRuntime(oci == null || oci.isBlank() ? "auto" : oci)
                .withUserNamespaces(!"false".equals(System.getenv("COVE_BENCH_USER_NAMESPACES")))
                .withEgress(EgressConfig.DEFAULT.withDenyOut(List.of("0.0.0.0/0", "::/0"))
                        .withDnsUpstreams(List.of("127.0.0.1:9")));
    }

    static String newId(String tag) {
        return tag + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    }

    /** Runs a host command and returns its stdout; fails on a non-zero exit. */
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

    /** Removes the sandboxes' empty parent cgroups of {@code prefix} in every hierarchy (v1 and v2). */
    static void removeCgroupParents(String prefix) throws IOException {
        List<Path> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
            String[] f = line.split(" ");
            if (f[2].equals("cgroup") || f[2].equals("cgroup2")) mounts.add(Path.of(f[1]));
        }
        for (Path m : mounts) Files.deleteIfExists(m.resolve(prefix));
    }

    /** Fails when a network namespace of {@code prefix} is left. */
    static void requireNoNetnsLeft(String prefix) {
        for (String line : run("ip", "netns", "list").split("\n"))
            if (line.startsWith(prefix + "-")) throw new IllegalStateException("network namespace left: " + line);
    }
}
