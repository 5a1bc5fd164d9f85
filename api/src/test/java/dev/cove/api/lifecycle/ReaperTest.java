package dev.cove.api.lifecycle;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ReaperTest {
    final List<String> fired = new CopyOnWriteArrayList<>();
    final Map<String, Instant> firedAt = new ConcurrentHashMap<>();
    final Reaper reaper = new Reaper(Clock.systemUTC(), id -> {
        firedAt.put(id, Instant.now());
        fired.add(id);
    });

    @AfterEach
    void close() { reaper.close(); }

    /** Deadlines fire in order, each at its time (not early, and promptly). */
    @Test
    void firesInOrderOnTime() {
        reaper.start();
        Instant now = Instant.now();
        reaper.schedule("c", now.plusMillis(900));
        reaper.schedule("a", now.plusMillis(300));
        reaper.schedule("b", now.plusMillis(600));
        await().atMost(Duration.ofSeconds(5)).until(() -> fired.size() == 3);
        assertThat(fired).containsExactly("a", "b", "c");
        assertOnTime("a", now.plusMillis(300));
        assertOnTime("b", now.plusMillis(600));
        assertOnTime("c", now.plusMillis(900));
    }

    /** The sleeping thread wakes for a new, earlier deadline rather than sleeping to the later one. */
    @Test
    void wakesForAnEarlierDeadline() throws InterruptedException {
        reaper.start();
        Instant now = Instant.now();
        reaper.schedule("late", now.plusSeconds(60));
        Thread.sleep(100);
        reaper.schedule("soon", now.plusMillis(400));
        await().atMost(Duration.ofSeconds(3)).until(() -> fired.contains("soon"));
        assertOnTime("soon", now.plusMillis(400));
        assertThat(fired).doesNotContain("late");
    }

    /** Moving a deadline replaces it; cancelling removes it; a past deadline fires at once. */
    @Test
    void rescheduleCancelAndPast() throws InterruptedException {
        reaper.start();
        Instant now = Instant.now();
        reaper.schedule("moved", now.plusMillis(200));
        reaper.schedule("moved", now.plusMillis(700));
        reaper.schedule("cancelled", now.plusMillis(300));
        reaper.cancel("cancelled");
        reaper.schedule("past", now.minusSeconds(10));
        await().atMost(Duration.ofSeconds(3)).until(() -> fired.contains("moved"));
        assertOnTime("moved", now.plusMillis(700));
        assertThat(Duration.between(now, firedAt.get("past"))).isLessThan(Duration.ofMillis(300));
        Thread.sleep(200);
        assertThat(fired).containsExactlyInAnyOrder("past", "moved");
        assertThat(reaper.size()).isZero();
    }

    private void assertOnTime(String id, Instant due) {
        Instant at = firedAt.get(id);
        assertThat(at).as(id + " not early").isAfterOrEqualTo(due);
        assertThat(Duration.between(due, at)).as(id + " prompt").isLessThan(Duration.ofMillis(250));
    }
}
