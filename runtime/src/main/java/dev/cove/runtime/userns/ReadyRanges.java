package dev.cove.runtime.userns;

import dev.cove.core.linux.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Sandbox uid ranges with their user namespace already made: a create takes one (and pays no process start), a
 * background thread makes the next. Ready ranges are claimed as {@code <prefix> ready-<n>}; they are released at
 * {@link #close} and swept at the next start if the server dies holding them.
 */
public final class ReadyRanges implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReadyRanges.class);

    /** A sandbox's range and a descriptor of a user namespace with its mapping (the caller closes it). */
    public record Prepared(UidRanges.Range range, int usernsFd) {}

    /** Claims of ready ranges: this process's pid in the name, so a sweep knows whose they are. */
    static final String READY_PREFIX = "ready-" + ProcessHandle.current().pid() + "-";

    private final UidRanges ranges;
    private final int target;
    private record Ready(Prepared prepared, String claim) {}

    private final Deque<Ready> ready = new ArrayDeque<>();
    private long made;
    private boolean filling;
    private boolean closed;

    public ReadyRanges(UidRanges ranges, int target) {
        this.ranges = ranges;
        this.target = target;
        refill();
    }

    /** A range for {@code sandboxId}, claimed in its name, with its namespace descriptor. */
    public Prepared take(String sandboxId) throws IOException {
        Ready r0;
        synchronized (this) {
            r0 = ready.pollFirst();
        }
        refill();
        if (r0 != null && ranges.relabel(r0.prepared().range().index(), r0.claim(), sandboxId)) return r0.prepared();
        if (r0 != null) Native.close(r0.prepared().usernsFd()); // its claim was swept meanwhile: make a fresh one
        UidRanges.Range r = ranges.allocate(sandboxId);
        try {
            return new Prepared(r, UserNamespaces.create(r));
        } catch (IOException | RuntimeException e) {
            ranges.release(r.index(), sandboxId);
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
                for (;;) {
                    String name;
                    synchronized (this) {
                        if (closed || ready.size() >= target) return;
                        name = READY_PREFIX + (++made);
                    }
                    UidRanges.Range r = ranges.allocate(name);
                    int fd;
                    try {
                        fd = UserNamespaces.create(r);
                    } catch (IOException | RuntimeException e) {
                        ranges.release(r.index(), name);
                        log.warn("cannot prepare a sandbox user namespace: {}", e.toString());
                        return;
                    }
                    synchronized (this) {
                        if (closed) {
                            Native.close(fd);
                            ranges.release(r.index(), name);
                            return;
                        }
                        ready.addLast(new Ready(new Prepared(r, fd), name));
                    }
                }
            } finally {
                synchronized (this) {
                    filling = false;
                }
            }
        });
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            for (Ready r : ready) {
                Native.close(r.prepared().usernsFd());
                ranges.release(r.prepared().range().index(), r.claim());
            }
            ready.clear();
        }
    }
}
