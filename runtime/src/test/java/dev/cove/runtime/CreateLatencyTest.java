package dev.cove.runtime;

import dev.cove.core.runtime.ExecResult;
import dev.cove.runtime.fs.FileTrees;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Prints create / first exec / destroy latencies over sequential runs (no assertion on time: performance is
 * measured by bench scripts, never by timed tests). Set COVE_LATENCY_RUNS to change the number of runs.
 */
class CreateLatencyTest {

    @Test
    void reportCreateAndDestroyLatency() throws Exception {
        assumeTrue(TestSupport.isRoot(), "needs root");
        int runs = Integer.parseInt(System.getenv().getOrDefault("COVE_LATENCY_RUNS", "20"));
        Path dataDir = Files.createTempDirectory("cove-rt-latency");
        RuntimeConfig config = TestSupport.config(dataDir);
        List<Double> create = new ArrayList<>(), exec = new ArrayList<>(), destroy = new ArrayList<>();
        try (OciRuntime runtime = new OciRuntime(config)) {
            runtime.ensureTemplate("base", line -> System.out.println("template: " + line));
            for (int i = -3; i < runs; i++) { // 3 warm-up runs
                String id = TestSupport.newId("lat");
                long t0 = System.nanoTime();
                runtime.create(TestSupport.spec(id));
                long t1 = System.nanoTime();
                ExecResult r = runtime.exec(id, "user", List.of("true"), Duration.ofSeconds(30));
                long t2 = System.nanoTime();
                runtime.destroy(id);
                long t3 = System.nanoTime();
                assertThat(r.exitCode()).isZero();
                if (i < 0) continue;
                create.add((t1 - t0) / 1e6);
                exec.add((t2 - t1) / 1e6);
                destroy.add((t3 - t2) / 1e6);
            }
            runtime.recover(Set.of());
            System.out.printf("LATENCY (%s, %d runs) create p50 %.1f ms p99 %.1f ms | first exec p50 %.1f ms p99 %.1f ms"
                            + " | destroy p50 %.1f ms p99 %.1f ms%n", runtime.ociRuntimeName(), runs,
                    pct(create, 50), pct(create, 99), pct(exec, 50), pct(exec, 99), pct(destroy, 50), pct(destroy, 99));
        } finally {
            FileTrees.deleteRecursively(dataDir);
        }
        TestSupport.assertNoCreatedNetnsLeft();
    }

    private static double pct(List<Double> values, int p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(idx, sorted.size() - 1)));
    }
}
