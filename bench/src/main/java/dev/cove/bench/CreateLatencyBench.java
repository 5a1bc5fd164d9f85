package dev.cove.bench;

import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.runtime.OciRuntime;
import dev.cove.runtime.RuntimeConfig;
import dev.cove.runtime.fs.FileTrees;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Create / first exec / destroy latencies at the runtime level (no API, no edge) over sequential runs, after 3
 * warm-up runs. Run by {@code bench/create-latency.sh}; as root. Its own prefix, pools and data directory, so it can
 * run next to the test suites. Usage: {@code CreateLatencyBench [runs]} (default 20).
 */
public final class CreateLatencyBench {
    private static final String PREFIX = "covelbch";

    private CreateLatencyBench() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path dataDir = Files.createTempDirectory("cove-bench-latency");
        RuntimeConfig config = RuntimeBenchHost.config(dataDir, PREFIX, "10.225.0.0/16", "fd63:6f1b::/32");
        List<Double> create = new ArrayList<>(), exec = new ArrayList<>(), destroy = new ArrayList<>();
        String oci;
        try (OciRuntime runtime = new OciRuntime(config)) {
            oci = runtime.ociRuntimeName();
            runtime.ensureTemplate("base", line -> System.out.println("template: " + line));
            try {
                for (int i = -3; i < runs; i++) { // 3 warm-up runs
                    String id = RuntimeBenchHost.newId("lat");
                    long t0 = System.nanoTime();
                    runtime.create(new SandboxSpec(id, "base", 1, 256, 256, Map.of()));
                    long t1 = System.nanoTime();
                    ExecResult r = runtime.exec(id, "user", List.of("true"), Duration.ofSeconds(30));
                    long t2 = System.nanoTime();
                    runtime.destroy(id);
                    long t3 = System.nanoTime();
                    if (r.exitCode() != 0) throw new IllegalStateException("true failed in " + id + ": " + r);
                    if (i < 0) continue;
                    create.add((t1 - t0) / 1e6);
                    exec.add((t2 - t1) / 1e6);
                    destroy.add((t3 - t2) / 1e6);
                }
            } finally {
                runtime.recover(Set.of());
            }
        } finally {
            FileTrees.deleteRecursively(dataDir);
        }
        RuntimeBenchHost.removeCgroupParents(PREFIX);
        RuntimeBenchHost.requireNoNetnsLeft(PREFIX);
        System.out.printf("%nCreate latency at the runtime level: %s, %d runs after 3 warm-up runs%n", oci, runs);
        System.out.println(Stats.line("create", create));
        System.out.println(Stats.line("first exec", exec));
        System.out.println(Stats.line("destroy", destroy));
    }
}
