package dev.cove.edge;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fails a test class whose buffers leaked. The server turns Netty's sampled leak detection off (it costs the edge about
 * a microsecond per request, see {@code bench/edge-vs-nginx.sh}); the edge's tests track every buffer instead
 * (paranoid), and after each class they collect the garbage and ask the detector for what was never released.
 * Registered for every test of this module through {@code META-INF/services} (extension autodetection is on in
 * {@code junit-platform.properties}).
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final List<String> leaks = new ArrayList<>();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ByteBufUtil.setLeakListener((type, records) -> {
            synchronized (leaks) { leaks.add(type + ":\n" + records); }
        });
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        drain(); // a leak found now belongs to the class before; it was reported there
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> found = drain();
        assertThat(found).as("buffers never released during %s", context.getDisplayName()).isEmpty();
    }

    /** Collects garbage until the detector has seen every unreachable buffer, and returns the leaks it reported. */
    private static List<String> drain() {
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(20); // the reference handler thread enqueues what the collector found
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            // The detector reports what is queued when the next buffer is tracked: allocate one of each kind.
            PooledByteBufAllocator.DEFAULT.directBuffer(1).release();
            PooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
            UnpooledByteBufAllocator.DEFAULT.directBuffer(1).release();
        }
        synchronized (leaks) {
            List<String> found = new ArrayList<>(leaks);
            leaks.clear();
            return found;
        }
    }
}
