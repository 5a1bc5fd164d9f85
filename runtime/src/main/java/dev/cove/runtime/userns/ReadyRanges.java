package dev.cove.runtime.userns;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Sandbox uid ranges with their namespaces already made ({@link UserNamespaces}): a create takes one and pays no
 * process start; a background thread makes the next. Ready ranges are claimed as {@code <prefix> ready-<pid>-<n>};
 * {@link #close} releases them, and a later start sweeps those of a server that died holding them.
 */
public final class ReadyRanges implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReadyRanges.class);

    /** Claims of ready ranges: this process's pid in the name, so a sweep knows whose they are. */
    static final String READY_PREFIX = "ready-" + ProcessHandle.current().pid() + "-";

    /** A sandbox's range and the process holding its new namespaces (the caller closes it once they are bound). */
    public record Prepared(UidRanges.Range range, UserNamespaces.Holder namespaces) {}

    private record Ready(Prepared prepared, String claim) {}

    private static final long REFILL_DELAY_MS = 100;

    private final UidRanges ranges;
    private final int target;
    private final Deque<Ready> ready = new ArrayDeque<>();
    private long made;
    private boolean filling;
    private boolean closed;

    /** @param target how many to keep ready (0: none, every create makes its own) */
    public ReadyRanges(UidRanges ranges, int target) {
        this.ranges = ranges;
        this.target = target;
    }

    public UidRanges ranges() { return ranges; }

    /** Starts filling (after recovery has swept the claims of earlier servers). */
    public void start() { refill(); }

    /** A range claimed for {@code sandboxId}, with its namespaces. */
    public Prepared take(String sandboxId) throws IOException {
        Ready r;
        synchronized (this) {
            r = ready.pollFirst();
        }
        refill();
        if (r != null) {
            if (ranges.relabel(r.prepared().range().index(), r.claim(), sandboxId)) return r.prepared();
            r.prepared().namespaces().close(); // its claim was swept meanwhile: make a fresh one
        }
        UidRanges.Range range = ranges.allocate(sandboxId);
        try {
            return new Prepared(range, UserNamespaces.create(range));
        } catch (IOException | RuntimeException e) {
            ranges.release(range.index(), sandboxId);
            throw e;
        }
    }

    private void refill() {
        synchronized (this) {
            if (filling || closed || ready.size() >= target) return;
            filling = true;
        }
        Thread.ofVirtual().name("cove-uid-ranges").start(() -> {
            try {
                // after the create that took one: making namespaces starts processes, which would compete with it
                Thread.sleep(REFILL_DELAY_MS);
                for (;;) {
                    String name;
                    synchronized (this) {
                        if (closed || ready.size() >= target) return;
                        name = READY_PREFIX + (++made);
                    }
                    UidRanges.Range r = ranges.allocate(name);
                    UserNamespaces.Holder h;
                    try {
                        h = UserNamespaces.create(r);
                    } catch (IOException | RuntimeException e) {
                        ranges.release(r.index(), name);
                        log.warn("cannot prepare sandbox namespaces: {}", e.toString());
                        return;
                    }
                    synchronized (this) {
                        if (!closed) {
                            ready.addLast(new Ready(new Prepared(r, h), name));
                            continue;
                        }
                    }
                    h.close();
                    ranges.release(r.index(), name);
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                synchronized (this) {
                    filling = false;
                }
            }
        });
    }

    @Override
    public void close() {
        Deque<Ready> left;
        synchronized (this) {
            closed = true;
            left = new ArrayDeque<>(ready);
            ready.clear();
        }
        for (Ready r : left) {
            r.prepared().namespaces().close();
            ranges.release(r.prepared().range().index(), r.claim());
        }
    }
}
