package dev.cove.sdk.files;

/** A running {@link Filesystem#watchDir watchDir}; {@link #stop()} (or close) ends it. */
public final class WatchHandle implements AutoCloseable {
    private final Runnable stop;
    private volatile boolean stopped;

    WatchHandle(Runnable stop) { this.stop = stop; }

    public void stop() {
        if (stopped) return;
        stopped = true;
        stop.run();
    }

    boolean stopped() { return stopped; }

    @Override
    public void close() { stop(); }
}
