package dev.cove.api.lifecycle;

import dev.cove.api.ApiConfig;
import dev.cove.api.store.SandboxStore;
import dev.cove.core.runtime.SandboxRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.Consumer;

/**
 * What the parts {@link SandboxService} is split into share: the store holds the truth, the runtime the processes,
 * the {@link RouteTable} what the edge sees, the per-id {@link SandboxLocks} serialize work on one sandbox and the
 * {@link Reaper} holds the timers. One set per service, so every part keeps the same three in step under the same
 * locks; a part is a class by concern, not a second owner of any of them.
 */
abstract sealed class LifecyclePart permits SandboxCreator, SandboxUptime, SandboxNetwork, SandboxReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(LifecyclePart.class);

    /**
     * The set, as {@link SandboxService} makes it.
     *
     * @param onStopping told the id of a sandbox just before it is killed, expired or paused (see
     *                   {@link SandboxService#onStopping})
     */
    record Parts(ApiConfig config, SandboxStore store, SandboxRuntime runtime, Clock clock,
                 PortAccessService portAccess, RouteTable routes, SandboxLocks locks, Reaper reaper,
                 Consumer<String> onStopping) {}

    final ApiConfig config;
    final SandboxStore store;
    final SandboxRuntime runtime;
    final PortAccessService portAccess;
    final RouteTable routes;
    final SandboxLocks locks;
    final Reaper reaper;
    final Consumer<String> onStopping;
    private final Clock clock;

    LifecyclePart(Parts parts) {
        this.config = parts.config();
        this.store = parts.store();
        this.runtime = parts.runtime();
        this.clock = parts.clock();
        this.portAccess = parts.portAccess();
        this.routes = parts.routes();
        this.locks = parts.locks();
        this.reaper = parts.reaper();
        this.onStopping = parts.onStopping();
    }

    /** The store keeps milliseconds; so does everything computed here, so stored and scheduled ends agree. */
    final Instant now() { return clock.instant().truncatedTo(ChronoUnit.MILLIS); }

    final void destroyQuietly(String id) {
        try {
            runtime.destroy(id);
        } catch (RuntimeException e) {
            LOG.error("Destroying sandbox {} failed", id, e);
        }
    }
}
