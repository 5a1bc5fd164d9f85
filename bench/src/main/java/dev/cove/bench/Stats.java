package dev.cove.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Percentiles of latency samples in milliseconds, printed on one line. */
final class Stats {
    private Stats() {}

    static double percentile(List<Double> samples, double p) {
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    static String line(String what, List<Double> samples) {
        return String.format("%-20s p50 %7.2f ms   p99 %7.2f ms   min %7.2f ms   max %7.2f ms   (n=%d)",
                what, percentile(samples, 50), percentile(samples, 99),
                Collections.min(samples), Collections.max(samples), samples.size());
    }
}
