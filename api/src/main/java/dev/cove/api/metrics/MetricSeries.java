package dev.cove.api.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One sandbox's samples, oldest first, never more than {@code capacity}. When it is full, every other sample of its
 * older half goes: the recent past keeps the sampling interval, the distant past coarsens, and a day-long sandbox
 * still answers for its whole life in bounded memory.
 */
final class MetricSeries {
    private final int capacity;
    private final ArrayList<MetricSample> samples;

    MetricSeries(int capacity) {
        if (capacity < 4) throw new IllegalArgumentException("capacity must be at least 4, got " + capacity);
        this.capacity = capacity;
        this.samples = new ArrayList<>(capacity);
    }

    synchronized void add(MetricSample s) {
        if (!samples.isEmpty() && s.at().isBefore(samples.getLast().at())) return; // clocks only go forward here
        if (samples.size() == capacity) thinOlderHalf();
        samples.add(s);
    }

    /** Samples whose second lies in {@code [startSecond, endSecond]}, oldest first. */
    synchronized List<MetricSample> between(long startSecond, long endSecond) {
        List<MetricSample> out = new ArrayList<>();
        for (MetricSample s : samples) {
            long t = s.epochSecond();
            if (t >= startSecond && t <= endSecond) out.add(s);
        }
        return out;
    }

    synchronized Optional<MetricSample> latest() {
        return samples.isEmpty() ? Optional.empty() : Optional.of(samples.getLast());
    }

    synchronized int size() { return samples.size(); }

    private void thinOlderHalf() {
        int half = samples.size() / 2;
        ArrayList<MetricSample> kept = new ArrayList<>(capacity);
        for (int i = 0; i < half; i += 2) kept.add(samples.get(i));
        kept.addAll(samples.subList(half, samples.size()));
        samples.clear();
        samples.addAll(kept);
    }
}
