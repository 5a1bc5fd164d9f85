package dev.cove.api.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.Resp;
import dev.cove.api.testing.TestPlane;
import dev.cove.api.testing.TestRuntimes;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.core.runtime.SandboxRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sampler against real sandboxes: what a sample holds, the time ranges it answers, its bound, pause and kill, and
 * the two E2B endpoints over it. Own prefix and pools ({@code covepar}), so it runs beside the other api tests.
 */
class MetricsSamplerTest {
    @TempDir
    static Path dir;
    static SandboxRuntime runtime;
    static TestPlane api;

    @BeforeAll
    static void start() {
        runtime = TestRuntimes.open(dir.resolve("runtime"), "covepar", "10.246.0.0/16", "fd63:6f46::/32");
        api = TestPlane.start(dir.resolve("api"), runtime);
    }

    @AfterEach
    void kill() { api.killAll(); }

    @AfterAll
    static void stop() {
        try {
            if (api != null) api.close();
        } finally {
            if (runtime != null) runtime.close();
        }
    }

    /** A clock five seconds further on at every reading: sample i of a round-per-reading run is at t0 + 5 i. */
    static final class SteppingClock extends Clock {
        final AtomicLong next = new AtomicLong(1_800_000_000L);

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return Instant.ofEpochSecond(next.getAndAdd(5)); }
    }

    private String create() { return api.create("{\"templateID\":\"base\",\"timeout\":300}").get("sandboxID").asText(); }

    @Test
    void samplesWhatTheSandboxUses() throws Exception {
        String id = create();
        MetricsSampler sampler = new MetricsSampler(api.plane().sandboxes(), runtime, Clock.systemUTC(),
                Duration.ofSeconds(5), 16);
        sampler.sampleAll();
        MetricSample idle = sampler.latest(id).orElseThrow();
        assertThat(idle.usage().cpuCount()).isEqualTo(api.plane().config().cpuCount());
        assertThat(idle.usage().memTotal()).isEqualTo((long) api.plane().config().memoryMB() << 20);
        assertThat(idle.usage().memUsed()).isPositive();
        assertThat(idle.usage().diskTotal()).isPositive();

        // 40 MiB written and one CPU kept busy show in the next sample
        runtime.files(id).write("root", "/root/blob", new ByteArrayInputStream(new byte[40 << 20]));
        SandboxProcess busy = runtime.spawn(id, new ProcessSpec("root",
                List.of("sh", "-c", "while :; do :; done"), Map.of(), null, null, false));
        Thread.sleep(1500);
        sampler.sampleAll();
        MetricSample loaded = sampler.latest(id).orElseThrow();
        assertThat(loaded.usage().diskUsed() - idle.usage().diskUsed()).isGreaterThan(30L << 20);
        // one of two CPUs busy: about 50 %, never less than a third on a shared machine
        assertThat(loaded.usage().cpuUsedPct()).isGreaterThan(33.0);
        busy.signal(9);
    }

    @Test
    void answersRangesInWholeSecondsAndStaysBounded() {
        String id = create();
        SteppingClock clock = new SteppingClock();
        long t0 = clock.next.get();
        MetricsSampler sampler = new MetricsSampler(api.plane().sandboxes(), runtime, clock, Duration.ofSeconds(5), 8);
        for (int i = 0; i < 6; i++) sampler.sampleAll();

        List<Long> all = seconds(sampler.range(id, 0, Long.MAX_VALUE));
        assertThat(all).containsExactly(t0, t0 + 5, t0 + 10, t0 + 15, t0 + 20, t0 + 25);
        // both bounds inclusive
        assertThat(seconds(sampler.range(id, t0 + 5, t0 + 15))).containsExactly(t0 + 5, t0 + 10, t0 + 15);
        assertThat(sampler.range(id, t0 - 3600, t0 - 1)).isEmpty();
        assertThat(sampler.range("nosuchsandbox", 0, Long.MAX_VALUE)).isEmpty();

        // 30 rounds more: never above 8, the first sample and the newest are still there, the middle thinned
        for (int i = 0; i < 30; i++) sampler.sampleAll();
        assertThat(sampler.kept(id)).isLessThanOrEqualTo(8);
        List<Long> thinned = seconds(sampler.range(id, 0, Long.MAX_VALUE));
        assertThat(thinned.getFirst()).isEqualTo(t0);
        assertThat(thinned.getLast()).isEqualTo(t0 + 35 * 5);
        assertThat(thinned).isSorted();
    }

    @Test
    void aPausedSandboxKeepsItsSeriesAndAKilledOneLosesIt() {
        String id = create();
        MetricsSampler sampler = new MetricsSampler(api.plane().sandboxes(), runtime, new SteppingClock(),
                Duration.ofSeconds(5), 16);
        sampler.sampleAll();
        sampler.sampleAll();
        assertThat(api.post("/sandboxes/" + id + "/pause", null).status()).isEqualTo(204);
        sampler.sampleAll();
        assertThat(sampler.kept(id)).isEqualTo(2);
        assertThat(api.delete("/sandboxes/" + id).status()).isEqualTo(204);
        sampler.sampleAll();
        assertThat(sampler.kept(id)).isZero();
    }

    /** The E2B endpoints over the plane's own sampler (5 s interval: the first sample comes at once). */
    @Test
    void endpointsAnswerAsE2bDoes() throws Exception {
        String id = create();
        long createdAt = Instant.now().getEpochSecond();
        JsonNode metrics = null;
        for (int i = 0; i < 80; i++) {
            Resp r = api.get("/sandboxes/" + id + "/metrics");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            if (!r.json().isEmpty()) {
                metrics = r.json();
                break;
            }
            Thread.sleep(100);
        }
        assertThat(metrics).as("a sample within 8 s").isNotNull();
        JsonNode m = metrics.get(0);
        for (String field : List.of("timestamp", "timestampUnix", "cpuCount", "cpuUsedPct", "memUsed", "memTotal",
                "memCache", "diskUsed", "diskTotal")) {
            assertThat(m.has(field)).as(field).isTrue();
        }
        assertThat(Instant.parse(m.get("timestamp").asText()).getEpochSecond()).isEqualTo(m.get("timestampUnix").asLong());
        assertThat(m.get("timestampUnix").asLong()).isBetween(createdAt - 5, createdAt + 10);

        long now = Instant.now().getEpochSecond();
        assertThat(api.get("/sandboxes/" + id + "/metrics?start=" + (now - 60) + "&end=" + (now + 1)).json()).isNotEmpty();
        assertThat(api.get("/sandboxes/" + id + "/metrics?start=" + (now - 3600) + "&end=" + (now - 1800)).json())
                .isEmpty();

        Resp backwards = api.get("/sandboxes/" + id + "/metrics?start=" + now + "&end=" + (now - 10));
        assertThat(backwards.status()).isEqualTo(400);
        assertThat(backwards.json().get("message").asText())
                .isEqualTo("error validating time range: start time cannot be after end time");
        assertThat(api.get("/sandboxes/" + id + "/metrics?start=yesterday").status()).isEqualTo(400);
        assertThat(api.get("/sandboxes/" + id + "/metrics?end=-5").status()).isEqualTo(400);
        assertThat(api.get("/sandboxes/nosuchsandbox/metrics").status()).isEqualTo(404);
        assertThat(api.call("GET", "/sandboxes/" + id + "/metrics", null, Map.of()).status()).isEqualTo(401);

        JsonNode listed = api.get("/sandboxes/metrics?sandbox_ids=" + id + ",nosuchsandbox").json().get("sandboxes");
        assertThat(listed.size()).isEqualTo(1);
        assertThat(listed.get(id).get("memTotal").asLong()).isPositive();
        assertThat(api.get("/sandboxes/metrics").status()).isEqualTo(400);
        String tooMany = IntStream.range(0, 101).mapToObj(i -> "sbx" + i).collect(Collectors.joining(","));
        Resp many = api.get("/sandboxes/metrics?sandbox_ids=" + tooMany);
        assertThat(many.status()).isEqualTo(400);
        assertThat(many.json().get("message").asText()).isEqualTo("Too many sandboxes requested, maximum is 100");

        assertThat(api.delete("/sandboxes/" + id).status()).isEqualTo(204);
        assertThat(api.get("/sandboxes/" + id + "/metrics").status()).isEqualTo(404);
    }

    private static List<Long> seconds(List<MetricSample> samples) {
        return samples.stream().map(MetricSample::epochSecond).toList();
    }
}
