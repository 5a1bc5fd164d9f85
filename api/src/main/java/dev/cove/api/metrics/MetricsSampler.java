package dev.cove.api.metrics;

import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import dev.cove.core.runtime.SandboxRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Samples the use of every running sandbox every {@code interval} (E2B collects every 5 s) and keeps each sandbox's
 * series while it lives: a paused sandbox keeps what it had and gains nothing until it resumes; an ended one's
 * series goes at the next round. One virtual thread; a sandbox whose reading fails is skipped for that round.
 * <pre>{@code
 * try (MetricsSampler sampler = new MetricsSampler(sandboxes, runtime, Clock.systemUTC(),
 *         MetricsSampler.DEFAULT_INTERVAL, MetricsSampler.DEFAULT_CAPACITY)) {
 *     sampler.start();
 *     List<MetricSample> lastMinute = sampler.range(id, now - 60, now);
 * }
 * }</pre>
 */
public final class MetricsSampler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsSampler.class);

    /** E2B's collection interval. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    /** Samples kept per sandbox: an hour at 5 s; past that the older half is thinned each time it fills. */
    public static final int DEFAULT_CAPACITY = 720;

    private final SandboxService sandboxes;
    private final SandboxRuntime runtime;
    private final Clock clock;
    private final Duration interval;
    private final int capacity;
    private final Map<String, MetricSeries> series = new ConcurrentHashMap<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private Thread thread;

    public MetricsSampler(SandboxService sandboxes, SandboxRuntime runtime, Clock clock, Duration interval,
                          int capacity) {
        if (interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("interval must be positive");
        this.sandboxes = sandboxes;
        this.runtime = runtime;
        this.clock = clock;
        this.interval = interval;
        this.capacity = capacity;
        new MetricSeries(capacity); // fails fast on a capacity too small
    }

    /** Starts sampling: a first round at once, then one every interval. */
    public void start() {
        thread = Thread.ofVirtual().name("cove-metrics").start(this::run);
    }

    private void run() {
        try {
            do {
                sampleAll();
            } while (!closed.await(interval.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One round: a sample of each running sandbox; series of sandboxes no longer live are dropped. */
    void sampleAll() {
        List<SandboxRecord> live = sandboxes.listLive();
        Set<String> liveIds = new HashSet<>();
        for (SandboxRecord row : live) {
            liveIds.add(row.id());
            if (row.state() == SandboxState.RUNNING) sample(row.id());
        }
        series.keySet().retainAll(liveIds);
    }

    private void sample(String id) {
        try {
            var usage = runtime.usage(id);
            Instant at = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            series.computeIfAbsent(id, k -> new MetricSeries(capacity)).add(new MetricSample(at, usage));
        } catch (RuntimeException e) {
            // paused or ended between the listing and the reading: nothing to record this round
            LOG.debug("No metrics sample of sandbox {}: {}", id, e.toString());
        }
    }

    /** Samples of the sandbox taken in {@code [startSecond, endSecond]} (Unix seconds), oldest first. */
    public List<MetricSample> range(String id, long startSecond, long endSecond) {
        MetricSeries s = series.get(id);
        return s == null ? List.of() : s.between(startSecond, endSecond);
    }

    /** The sandbox's newest sample, if it has one. */
    public Optional<MetricSample> latest(String id) {
        MetricSeries s = series.get(id);
        return s == null ? Optional.empty() : s.latest();
    }

    /** Samples kept for the sandbox now (for tests of the bound). */
    int kept(String id) {
        MetricSeries s = series.get(id);
        return s == null ? 0 : s.size();
    }

    @Override
    public void close() {
        closed.countDown();
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
