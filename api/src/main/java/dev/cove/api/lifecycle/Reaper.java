package dev.cove.api.lifecycle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Acts on every sandbox at its deadline, precisely: one thread sleeps until the earliest deadline (not a polling
 * loop) and is woken whenever a deadline is added, moved or removed. Each due sandbox is handed to
 * {@code onDue} on its own virtual thread, so a slow kill never delays the next deadline.
 * {@code onDue} must re-check the sandbox (its end may have moved meanwhile).
 */
final class Reaper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);

    private record Deadline(Instant at, String id) {}

    private static final Comparator<Deadline> ORDER =
            Comparator.comparing(Deadline::at).thenComparing(Deadline::id);

    private final Clock clock;
    private final Consumer<String> onDue;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final TreeSet<Deadline> queue = new TreeSet<>(ORDER);
    private final Map<String, Deadline> byId = new HashMap<>();
    private final Set<Thread> firing = ConcurrentHashMap.newKeySet();
    private boolean closed;
    private Thread thread;

    Reaper(Clock clock, Consumer<String> onDue) {
        this.clock = clock;
        this.onDue = onDue;
    }

    void start() {
        thread = Thread.ofVirtual().name("cove-reaper").start(this::run);
    }

    /** Sets (or moves) the deadline of a sandbox. */
    void schedule(String id, Instant at) {
        lock.lock();
        try {
            Deadline old = byId.put(id, new Deadline(at, id));
            if (old != null) queue.remove(old);
            queue.add(byId.get(id));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void cancel(String id) {
        lock.lock();
        try {
            Deadline old = byId.remove(id);
            if (old != null) {
                queue.remove(old);
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The scheduled deadline of a sandbox, or null. */
    Instant deadline(String id) {
        lock.lock();
        try {
            Deadline d = byId.get(id);
            return d == null ? null : d.at();
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        lock.lock();
        try {
            while (!closed) {
                if (queue.isEmpty()) {
                    changed.await();
                    continue;
                }
                Deadline first = queue.first();
                long waitNanos = Duration.between(clock.instant(), first.at()).toNanos();
                if (waitNanos > 0) {
                    changed.awaitNanos(waitNanos);
                    continue;
                }
                queue.pollFirst();
                byId.remove(first.id());
                Thread t = Thread.ofVirtual().name("cove-reap-" + first.id()).unstarted(() -> fire(first.id()));
                firing.add(t);
                t.start();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    private void fire(String id) {
        try {
            onDue.accept(id);
        } catch (RuntimeException e) {
            LOG.error("Ending sandbox {} at its deadline failed", id, e);
        } finally {
            firing.remove(Thread.currentThread());
        }
    }

    /** Stops scheduling and waits (bounded) for expiries in flight, so none outlives the store it writes to. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            if (thread != null) thread.join(Duration.ofSeconds(5));
            for (Thread t : List.copyOf(firing)) t.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
