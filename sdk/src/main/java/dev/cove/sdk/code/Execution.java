package dev.cove.sdk.code;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What one {@code runCode} produced (E2B's {@code Execution}): its results in order, everything it printed, the error
 * it raised (or null) and the kernel's execution count.
 */
public final class Execution {
    final List<Result> results = new ArrayList<>();
    final List<String> stdout = new ArrayList<>();
    final List<String> stderr = new ArrayList<>();
    ExecutionError error;
    Integer executionCount;

    public List<Result> results() { return Collections.unmodifiableList(results); }

    /** What the code wrote to stdout, piece by piece as it arrived. */
    public List<String> stdout() { return Collections.unmodifiableList(stdout); }

    public List<String> stderr() { return Collections.unmodifiableList(stderr); }

    /** The error the code raised, or null when it ran to its end. */
    public ExecutionError error() { return error; }

    /** The kernel's count for this execution ({@code In [n]}), or null if the kernel did not say. */
    public Integer executionCount() { return executionCount; }

    /** The text of the main result (the value of the last expression), or null. */
    public String text() {
        for (Result r : results) if (r.isMainResult()) return r.text();
        return null;
    }

    @Override
    public String toString() {
        return "Execution{results=" + results + ", stdout=" + stdout + ", stderr=" + stderr + ", error=" + error + "}";
    }
}
