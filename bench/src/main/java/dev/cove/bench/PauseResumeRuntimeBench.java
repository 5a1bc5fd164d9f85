package dev.cove.bench;

import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.runtime.OciRuntime;
import dev.cove.runtime.RuntimeConfig;
import dev.cove.runtime.fs.FileTrees;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pause and resume latency at the runtime level (no API, no edge), printed as p50/p99/max over N rounds. Run by
 * {@code bench/pause-resume-runtime.sh}; as root. Its own prefix, pools and data directory, so it can run next to
 * the test suites.
 *
 * <p>Each round pauses and resumes one sandbox that runs a counter loop and a python process holding 128 MiB,
 * then starts a process in it (what a caller waits for before the sandbox is useful again). For comparison, the
 * same freeze through the OCI runtime's CLI ({@code runc pause}/{@code resume}).
 */
public final class PauseResumeRuntimeBench {
    private static final String PREFIX = "covepbch";
    private static final Duration T = Duration.ofSeconds(30);
    private static final String WORKLOAD = "i=0; while :; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.05; done & "
            + "exec python3 -c 'b = bytearray(128 << 20); import time; time.sleep(1e9)'";

    private PauseResumeRuntimeBench() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path dataDir = Files.createTempDirectory("cove-bench-pause");
        RuntimeConfig config = RuntimeBenchHost.config(dataDir, PREFIX, "10.223.0.0/16", "fd63:6f1a::/32");
        Map<String, List<Long>> samples = new LinkedHashMap<>();
        for (String k : List.of("pause keepMemory=true (freeze)", "resume from frozen (thaw)", "first process after thaw",
                "pause keepMemory=false (stop)", "resume from stopped (restart)", "first process after restart",
                "runc pause (CLI, for comparison)", "runc resume (CLI, for comparison)"))
            samples.put(k, new ArrayList<>());
        String oci;
        try (OciRuntime runtime = new OciRuntime(config)) {
            oci = runtime.ociRuntimeName();
            runtime.ensureTemplate("base", line -> System.out.println("template: " + line));
            String id = RuntimeBenchHost.newId("bench");
            RuntimeSandbox sb = runtime.create(new SandboxSpec(id, "base", 1, 512, 256, Map.of()));
            try {
                startWorkload(runtime, id);
                for (int i = 0; i < 3; i++) round(runtime, id, null, config); // warm-up
                for (int i = 0; i < rounds; i++) round(runtime, id, samples, config);
            } finally {
                runtime.destroy(sb.id());
                runtime.recover(Set.of());
            }
        }
        FileTrees.deleteRecursively(dataDir);
        RuntimeBenchHost.removeCgroupParents(PREFIX); // our empty parent cgroups
        System.out.printf("%nPause/resume at the runtime level: %s, %d rounds, sandbox running a counter loop and "
                + "python holding 128 MiB%n", oci, rounds);
        System.out.printf("%-36s %9s %9s %9s%n", "", "p50 ms", "p99 ms", "max ms");
        samples.forEach((name, list) -> {
            List<Long> s = new ArrayList<>(list);
            Collections.sort(s);
            System.out.printf("%-36s %9.2f %9.2f %9.2f%n", name, pct(s, 50), pct(s, 99), s.getLast() / 1e6);
        });
    }

    private static void round(OciRuntime runtime, String id, Map<String, List<Long>> samples, RuntimeConfig config)
            throws Exception {
        long t0 = System.nanoTime();
        runtime.pause(id, true);
        long t1 = System.nanoTime();
        runtime.resume(id);
        long t2 = System.nanoTime();
        firstProcess(runtime, id);
        long t3 = System.nanoTime();
        record(samples, "pause keepMemory=true (freeze)", t1 - t0);
        record(samples, "resume from frozen (thaw)", t2 - t1);
        record(samples, "first process after thaw", t3 - t2);

        t0 = System.nanoTime();
        runtime.pause(id, false);
        t1 = System.nanoTime();
        runtime.resume(id);
        t2 = System.nanoTime();
        firstProcess(runtime, id);
        t3 = System.nanoTime();
        record(samples, "pause keepMemory=false (stop)", t1 - t0);
        record(samples, "resume from stopped (restart)", t2 - t1);
        record(samples, "first process after restart", t3 - t2);
        startWorkload(runtime, id); // the stop ended it

        String runcRoot = config.dataDir().resolve("runc").toString();
        String container = PREFIX + "-" + id;
        t0 = System.nanoTime();
        RuntimeBenchHost.run("runc", "--root", runcRoot, "pause", container);
        t1 = System.nanoTime();
        RuntimeBenchHost.run("runc", "--root", runcRoot, "resume", container);
        t2 = System.nanoTime();
        record(samples, "runc pause (CLI, for comparison)", t1 - t0);
        record(samples, "runc resume (CLI, for comparison)", t2 - t1);
    }

    /** A process started and finished: through the spawner when it is up, else the runtime's exec. */
    private static void firstProcess(OciRuntime runtime, String id) throws Exception {
        SandboxProcess p = runtime.spawn(id, new ProcessSpec("root", List.of("true"), null, null, null, false));
        SandboxProcess.Exit exit = p.waitFor();
        if (exit.exitCode() != 0) throw new IllegalStateException("true failed: " + exit);
    }

    private static void startWorkload(OciRuntime runtime, String id) throws Exception {
        runtime.spawn(id, new ProcessSpec("root", List.of("bash", "-c", WORKLOAD), null, null, null, false));
        // the memory is touched once python has allocated it
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            ExecResult r = runtime.exec(id, "root", List.of("bash", "-c",
                    "grep -h VmRSS /proc/[0-9]*/status 2>/dev/null | awk '$2 > 100000 {n++} END {print n+0}'"), T);
            if (r.stdout().strip().equals("1")) return;
            Thread.sleep(20);
        }
        throw new IllegalStateException("the workload did not start");
    }

    private static void record(Map<String, List<Long>> samples, String name, long nanos) {
        if (samples != null) samples.get(name).add(nanos);
    }

    /** Nearest-rank percentile in milliseconds. */
    private static double pct(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1)) / 1e6;
    }
}
