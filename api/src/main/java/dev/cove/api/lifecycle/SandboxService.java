package dev.cove.api.lifecycle;

import dev.cove.api.ApiConfig;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import dev.cove.api.store.SandboxStore;
import dev.cove.core.CoveException;
import dev.cove.core.runtime.SandboxRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The front of the sandbox lifecycle: owns the store, the runtime, the {@link RouteTable} the edge sees, the reaper
 * and the per-id locks, and the parts that act on them: {@link SandboxCreator} (create), {@link SandboxUptime}
 * (timeouts, pause, resume, wake), {@link SandboxNetwork} (egress), {@link TemplateResolver} (which template a name
 * means) and {@link SandboxReconciler} (recovery after a restart, following a cluster, purging tombstones). Itself it
 * reads sandboxes and ends them: kill, expiry at {@code endAt}, and work on a live sandbox under its lock. The store
 * holds the truth, the runtime the processes, the route table what the edge sees; every part keeps the three in step.
 */
public final class SandboxService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxService.class);
    private static final Duration EXPIRE_RETRY = Duration.ofSeconds(5);

    private final ApiConfig config;
    private final SandboxStore store;
    private final SandboxRuntime runtime;
    private final Clock clock;
    private final PortAccessService portAccess;
    private final RouteTable routes = new RouteTable();
    private final SandboxLocks locks = new SandboxLocks();
    private final Reaper reaper;
    private final TemplateResolver templates;
    private final SandboxNetwork network;
    private final SandboxCreator creator;
    private final SandboxUptime uptime;
    private final SandboxReconciler reconciler;
    private volatile Consumer<String> onStopping = id -> {};

    public SandboxService(ApiConfig config, SandboxStore store, PortAccessService portAccess, SandboxRuntime runtime, Clock clock) {
        this.config = config;
        this.portAccess = portAccess;
        this.store = store;
        this.runtime = runtime;
        this.clock = clock;
        this.reaper = new Reaper(clock, this::expire);
        // the hook is set after construction (onStopping): the parts ask for the current one each time
        LifecyclePart.Parts parts = new LifecyclePart.Parts(config, store, runtime, clock, portAccess, routes, locks,
                reaper, id -> onStopping.accept(id));
        this.templates = new TemplateResolver(runtime);
        this.network = new SandboxNetwork(parts);
        this.creator = new SandboxCreator(parts, templates);
        this.uptime = new SandboxUptime(parts);
        this.reconciler = new SandboxReconciler(parts);
        this.routes.waker(uptime::wake);
    }

    public ApiConfig config() { return config; }

    /**
     * Told the id of a sandbox just before it is killed, expired or paused, while its processes still run: the
     * agent ends the calls streaming from them as cut calls, as E2B's do, not with the end of a killed process.
     */
    public void onStopping(Consumer<String> hook) { this.onStopping = hook; }

    /** Creates sandboxes (from a request's template, or from an image: a snapshot, a fork's capture). */
    public SandboxCreator creator() { return creator; }

    /** Timeouts, pause, resume and wake-on-request of live sandboxes. */
    public SandboxUptime uptime() { return uptime; }

    /** A running sandbox's egress: replacing its policy, its denials. */
    public SandboxNetwork network() { return network; }

    /** Which template a name means, and where built templates and snapshots come from. */
    public TemplateResolver templates() { return templates; }

    /** Recovery after a restart, following other nodes' sandboxes, purging tombstones. */
    public SandboxReconciler reconciler() { return reconciler; }

    /** Port access: policies, share links, audit. */
    public PortAccessService portAccess() { return portAccess; }

    public Clock clock() { return clock; }

    /** What the edge asks; current after every change this service makes. */
    public RouteTable routes() { return routes; }

    /** Recovers what a previous run left, then starts the reaper and the periodic tombstone purge. */
    public void start() {
        reconciler.recover();
        reaper.start();
        reconciler.startPurging();
    }

    // ---------------------------------------------------------------------------------------------- read

    /** A running (or paused) sandbox, else 404 with E2B's message. */
    public SandboxRecord getLive(String id) {
        return store.find(id).filter(r -> r.state().isLive()).orElseThrow(() -> notFound(id));
    }

    /** The row in any state (tombstones included), if any. */
    public Optional<SandboxRecord> find(String id) { return store.find(id); }

    /** Running and paused sandboxes. */
    public List<SandboxRecord> listLive() {
        return store.findByStates(EnumSet.of(SandboxState.RUNNING, SandboxState.PAUSED));
    }

    /** How many sandboxes (running or paused) started from template or snapshot {@code templateId}. */
    public long liveSandboxesOf(String templateId) {
        return listLive().stream().filter(r -> r.templateId().equals(templateId)).count();
    }

    public static CoveException notFound(String id) {
        return CoveException.notFound("sandbox_not_found",
                "Sandbox \"" + id + "\" doesn't exist or you don't have access to it");
    }

    // ---------------------------------------------------------------------------------------------- change

    /** Kills a live sandbox now (reason {@code killed}); 404 when unknown or already ended. */
    public void kill(String id) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            SandboxRecord row = store.find(id).filter(r -> r.state().isLive()).orElseThrow(() -> notFound(id));
            onStopping.accept(id);
            try {
                runtime.destroy(id);
            } catch (RuntimeException e) {
                LOG.error("Killing sandbox {} failed", id, e);
                throw new CoveException(500, "internal_server_error",
                        "Failed to kill sandbox \"" + id + "\"; it may still be running, try again", e);
            }
            end(row, SandboxState.KILLED, EndReason.KILLED);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code work} on a running sandbox's row under its lock, then republishes its port access policy for the edge
     * (port rules and links changed by {@code work} take effect at once). A sandbox that needs a traffic access token
     * now (a port became private) and had none gets one.
     */
    public <T> T changePortAccess(String id, Function<SandboxRecord, T> work) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            SandboxRecord row = store.find(id).filter(r -> r.state() == SandboxState.RUNNING)
                    .orElseThrow(() -> notFound(id));
            T result = work.apply(row);
            SandboxRecord current = row;
            if (row.trafficAccessToken() == null && portAccess.policy(row).hasPrivatePorts()) {
                String token = SandboxCreator.newToken();
                store.updateTrafficAccessToken(id, token);
                current = store.find(id).orElse(row);
            }
            routes.portAccess(id, portAccess.policy(current));
            return result;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code work} on a live (running or paused) sandbox's row under its lock: nothing else changes the sandbox
     * meanwhile (no kill, pause, resume or expiry). 404 when unknown or ended.
     */
    public <T> T onLive(String id, Function<SandboxRecord, T> work) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            SandboxRecord row = store.find(id).filter(r -> r.state().isLive()).orElseThrow(() -> notFound(id));
            return work.apply(row);
        } finally {
            lock.unlock();
        }
    }

    /** The reaper's callback: ends the sandbox if its end really came (it may have moved since). */
    void expire(String id) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            SandboxRecord row = store.find(id).orElse(null);
            if (row == null || row.state() != SandboxState.RUNNING) return;
            Instant now = now();
            if (row.endAt().isAfter(now)) {
                reaper.schedule(id, row.endAt());
                return;
            }
            if (row.autoPause()) {
                uptime.pauseLocked(row, store.autoPauseMemory(id));
                LOG.info("Sandbox {} reached its timeout and was paused (autoPause)", id);
                return;
            }
            onStopping.accept(id);
            try {
                runtime.destroy(id);
            } catch (RuntimeException e) {
                LOG.error("Sandbox {} reached its end but could not be destroyed; retrying in {}", id, EXPIRE_RETRY, e);
                reaper.schedule(id, now.plus(EXPIRE_RETRY));
                return;
            }
            end(row, SandboxState.EXPIRED, EndReason.TIMEOUT);
        } catch (RuntimeException e) {
            LOG.error("Expiring sandbox {} failed; retrying in {}", id, EXPIRE_RETRY, e);
            reaper.schedule(id, now().plus(EXPIRE_RETRY));
        } finally {
            lock.unlock();
        }
    }

    private void end(SandboxRecord row, SandboxState state, String reason) {
        Instant now = now();
        store.markEnded(row.id(), state, now, reason);
        routes.ended(row.id(), now, reason);
        reaper.cancel(row.id());
        LOG.info("Sandbox {} ended ({})", row.id(), reason);
    }

    // ---------------------------------------------------------------------------------------------- cluster

    /** Told the id of every sandbox whose route this node changed (a cluster publishes it to the others). */
    public void onRouteChange(Consumer<String> listener) { routes.onChange(listener); }

    /** The node this service's sandboxes run on, or null on a single host. */
    public String node() { return store.node(); }

    /** The store keeps milliseconds; so does everything computed here, so stored and scheduled ends agree. */
    private Instant now() { return clock.instant().truncatedTo(ChronoUnit.MILLIS); }

    /** Scheduled deadline of a sandbox (for tests and diagnostics), or null. */
    Instant scheduledEnd(String id) { return reaper.deadline(id); }

    /** Stops timers; sandboxes keep running (a restarted server re-adopts them). */
    @Override
    public void close() {
        reaper.close();
        uptime.close();
        reconciler.close();
    }
}
