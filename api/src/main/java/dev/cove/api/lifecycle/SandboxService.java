package dev.cove.api.lifecycle;

import dev.cove.api.ApiConfig;
import dev.cove.api.store.NetworkConfig;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import dev.cove.api.store.SandboxStore;
import dev.cove.core.CoveException;
import dev.cove.core.SandboxId;
import dev.cove.core.routing.SandboxRoute;
import dev.cove.core.runtime.EgressDenial;
import dev.cove.core.runtime.EgressPolicy;
import dev.cove.core.runtime.PauseState;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.core.runtime.SandboxSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The lifecycle of sandboxes: create, kill, timeouts, expiry at {@code endAt}, recovery after a restart and
 * purging of old tombstones. The store holds the truth, the runtime the processes, the {@link RouteTable} what
 * the edge sees; this class keeps the three in step. Work on one sandbox is serialized by a per-id lock.
 */
public final class SandboxService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxService.class);
    private static final Pattern TEMPLATE_NAME = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,127}$");
    private static final Duration PURGE_INTERVAL = Duration.ofHours(1);
    private static final Duration EXPIRE_RETRY = Duration.ofSeconds(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ApiConfig config;
    private final SandboxStore store;
    private final SandboxRuntime runtime;
    private final Clock clock;
    private final PortAccessService portAccess;
    private final RouteTable routes = new RouteTable();
    private final SandboxLocks locks = new SandboxLocks();
    private final Reaper reaper;
    private ScheduledExecutorService purger;
    private volatile Consumer<String> onStopping = id -> {};
    private volatile TemplateCatalog catalog = TemplateCatalog.NONE;
    private volatile SnapshotCatalog snapshots = SnapshotCatalog.NONE;

    public SandboxService(ApiConfig config, SandboxStore store, PortAccessService portAccess, SandboxRuntime runtime, Clock clock) {
        this.config = config;
        this.portAccess = portAccess;
        this.store = store;
        this.runtime = runtime;
        this.clock = clock;
        this.reaper = new Reaper(clock, this::expire);
        this.routes.waker(this::wake);
    }

    public ApiConfig config() { return config; }

    /**
     * Told the id of a sandbox just before it is killed, expired or paused, while its processes still run: the
     * agent ends the calls streaming from them as cut calls, as E2B's do, not with the end of a killed process.
     */
    public void onStopping(Consumer<String> hook) { this.onStopping = hook; }

    /** Where templates other than the node's recipes come from (built templates). */
    public void templates(TemplateCatalog catalog) { this.catalog = catalog; }

    /** Where snapshots come from: a create's template is looked up there first. */
    public void snapshots(SnapshotCatalog catalog) { this.snapshots = catalog; }

    /** The snapshots (templates ask before they delete a layer, and to delete a snapshot by its id). */
    public SnapshotCatalog snapshots() { return snapshots; }

    /** The built templates (snapshots ask before they delete a layer). */
    public TemplateCatalog templates() { return catalog; }

    /** Port access: policies, share links, audit. */
    public PortAccessService portAccess() { return portAccess; }

    public Clock clock() { return clock; }

    /** What the edge asks; current after every change this service makes. */
    public RouteTable routes() { return routes; }

    /** Recovers what a previous run left, then starts the reaper and the periodic tombstone purge. */
    public void start() {
        recover();
        reaper.start();
        purger = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("cove-purge").factory());
        purger.scheduleWithFixedDelay(this::purgeQuietly, 0, PURGE_INTERVAL.toSeconds(), TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------------------------------------- create

    /**
     * Creates and starts a sandbox: checks the template, records the row as {@code starting}, asks the runtime,
     * then marks it {@code running} and arms its timer. If the runtime fails, whatever it made is destroyed and
     * the row becomes a tombstone ({@code killed}, reason {@code create_failed}); no half-made sandbox remains.
     */
    public SandboxRecord create(NewSandbox req) {
        Optional<TemplateCatalog.Image> snapshot = snapshots.forCreate(req.template());
        return create(req, snapshot.isPresent() ? snapshot.get() : checkTemplate(req.template()));
    }

    /**
     * {@link #create(NewSandbox)} on {@code image} (a snapshot, a fork's capture, a built template) instead of the
     * template the request names; null: the request's template, a node recipe.
     */
    public SandboxRecord create(NewSandbox req, TemplateCatalog.Image image) {
        if (image != null) ensure(image.base());
        runtime.checkEgress(egressPolicy(req.allowInternetAccess(), req.network()));
        Instant requestedAt = now();
        String id = SandboxId.generate();
        int cpuCount = req.cpuCount() != null ? req.cpuCount() : config.cpuCount();
        int memoryMB = req.memoryMB() != null ? req.memoryMB() : config.memoryMB();
        int diskSizeMB = req.diskSizeMB() != null ? req.diskSizeMB() : config.diskSizeMB();
        String templateId = image == null ? req.template() : image.templateId();
        String alias = image == null ? req.template() : image.alias();
        Map<String, String> env = new LinkedHashMap<>(image == null ? Map.of() : image.env());
        env.putAll(req.envVars()); // the create's own variables win over the image's
        SandboxRecord row = new SandboxRecord(id, templateId, alias, ApiConfig.CLIENT_ID,
                SandboxState.STARTING, req.metadata(), env, cpuCount, memoryMB,
                diskSizeMB, requestedAt, requestedAt.plus(req.timeout()),
                req.secure() ? newToken() : null, portAccess.needsToken(req) ? newToken() : null,
                req.allowInternetAccess(), req.network(), req.lifecycle().autoPause(), req.lifecycle().autoResume(), null, null,
                store.node());
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            store.insert(row);
            portAccess.recordCreate(id, req, requestedAt);
            if (req.lifecycle().autoPause()) store.saveAutoPauseMemory(id, req.lifecycle().autoPauseMemory());
            RuntimeSandbox started;
            try {
                started = runtime.create(spec(id, req, image, env, cpuCount, memoryMB, diskSizeMB)
                        .withAgentToken(row.envdAccessToken()));
            } catch (RuntimeException e) {
                throw createFailed(id, e);
            }
            Instant startedAt = now();
            Instant endAt = startedAt.plus(req.timeout());
            try {
                store.markRunning(id, startedAt, endAt);
            } catch (RuntimeException e) {
                throw createFailed(id, e);
            }
            routes.running(id, started.netnsPath(), row, portAccess.policy(row));
            reaper.schedule(id, endAt);
            LOG.info("Sandbox {} running (template {}, ends {})", id, templateId, endAt);
            return row.running(startedAt, endAt);
        } finally {
            lock.unlock();
        }
    }

    /** What the runtime makes: a recipe's template as it is, or an image's base, layers, env and start. */
    private SandboxSpec spec(String id, NewSandbox req, TemplateCatalog.Image image, Map<String, String> env,
                             int cpuCount, int memoryMB, int diskSizeMB) {
        EgressPolicy egress = egressPolicy(req.allowInternetAccess(), req.network());
        boolean trustHost = config.hostTrust().all();
        if (image == null)
            return new SandboxSpec(id, req.template(), cpuCount, memoryMB, config.pidsLimit(), env, egress,
                    diskSizeMB, List.of(), null, trustHost);
        return new SandboxSpec(id, image.base(), cpuCount, memoryMB, config.pidsLimit(), env, egress, diskSizeMB,
                image.layers(), image.start(), trustHost);
    }

    /** A built template's image, or null for a recipe of the node (built now if it must be); 404 for neither. */
    private TemplateCatalog.Image checkTemplate(String template) {
        if (!TEMPLATE_NAME.matcher(template).matches()) {
            throw CoveException.badRequest("Invalid template reference: '" + template
                    + "' is not a template name (lower-case letters, digits, '.', '_' and '-')");
        }
        if (template.equals(SandboxRuntime.SCRATCH)) throw templateNotFound(template); // an image's empty floor
        TemplateCatalog.Image image = catalog.resolve(template).orElse(null);
        if (image != null) {
            ensure(image.base());
            return image;
        }
        if (!runtime.knowsTemplate(template)) throw templateNotFound(template);
        ensure(template);
        return null;
    }

    private void ensure(String template) {
        try {
            runtime.ensureTemplate(template, line -> LOG.info("Template {}: {}", template, line));
        } catch (CoveException e) {
            if (e.status() == 404) throw templateNotFound(template);
            throw e;
        }
    }

    /** Whether {@code template} names a template sandboxes can start from (E2B's alias check asks). */
    public boolean knowsTemplate(String template) {
        return templateIdOf(template) != null;
    }

    /** The id of the template or snapshot {@code template} names (a recipe's id is its name), or null. */
    public String templateIdOf(String template) {
        if (template == null) return null;
        var snapshot = snapshots.resolve(template);
        if (snapshot.isPresent()) return snapshot.get().templateId();
        if (!TEMPLATE_NAME.matcher(template).matches()) return null;
        var image = catalog.resolve(template);
        if (image.isPresent()) return image.get().templateId();
        return runtime.knowsTemplate(template) && !template.equals(SandboxRuntime.SCRATCH) ? template : null;
    }

    /** How many sandboxes (running or paused) started from template or snapshot {@code templateId}. */
    public long liveSandboxesOf(String templateId) {
        return listLive().stream().filter(r -> r.templateId().equals(templateId)).count();
    }

    public static CoveException templateNotFound(String template) {
        return CoveException.notFound("template_not_found", "template '" + template + "' not found");
    }

    /** Undoes a failed create (runtime leftovers, row → tombstone) and says what to answer. */
    private CoveException createFailed(String id, RuntimeException cause) {
        LOG.warn("Creating sandbox {} failed ({}); cleaning up", id, cause.toString());
        destroyQuietly(id);
        Instant now = now();
        try {
            store.markEnded(id, SandboxState.KILLED, now, EndReason.CREATE_FAILED);
            routes.ended(id, now, EndReason.CREATE_FAILED);
        } catch (RuntimeException e) {
            LOG.error("Cannot record the failed create of sandbox {}", id, e);
        }
        if (cause instanceof CoveException ce && ce.status() != 500 && ce.status() != 501) return ce;
        String detail = cause instanceof CoveException ce ? ": " + ce.getMessage() : " (the server log has the cause)";
        return new CoveException(500, "sandbox_create_failed", "Failed to create the sandbox" + detail, cause);
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
     * E2B's setTimeout: {@code endAt = now + min(timeout, maxLength - elapsed)}; may shorten, 0 (or less) ends it
     * now. 400 "Max instance length exceeded" when it already lived its maximum.
     */
    public SandboxRecord setTimeout(String id, long seconds) {
        return keepAlive(id, Duration.ofSeconds(Math.max(0, seconds)), true);
    }

    /** Connect/refresh: like {@link #setTimeout} but only ever extends ({@code endAt} stays when later). */
    public SandboxRecord extend(String id, Duration duration) {
        return keepAlive(id, duration, false);
    }

    private SandboxRecord keepAlive(String id, Duration requested, boolean allowShorter) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            SandboxRecord row = store.find(id).filter(r -> r.state().isLive()).orElseThrow(() -> notFound(id));
            if (row.state() == SandboxState.PAUSED) throw paused(id);
            Instant now = now();
            Duration elapsed = Duration.between(row.startedAt(), now);
            Duration left = config.maxSandboxLength().minus(elapsed);
            if (left.isNegative()) throw CoveException.badRequest("Max instance length exceeded");
            Instant endAt = now.plus(requested.compareTo(left) < 0 ? requested : left);
            if (!allowShorter && !endAt.isAfter(row.endAt())) return row;
            store.updateEndAt(id, endAt);
            reaper.schedule(id, endAt);
            return row.withEndAt(endAt);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------- pause

    /**
     * E2B's pause: {@code keepMemory} freezes every process where it is; without it the processes end and the file
     * system is kept (resume starts the sandbox afresh on it). Its timer stops: a paused sandbox does not expire.
     * 409 when already paused, 404 when unknown or ended.
     */
    public void pause(String id, boolean keepMemory) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            SandboxRecord row = store.find(id).filter(r -> r.state().isLive()).orElseThrow(() -> notFound(id));
            if (row.state() == SandboxState.PAUSED) {
                throw new CoveException(409, "sandbox_paused", "Sandbox \"" + id + "\" is already paused");
            }
            pauseLocked(row, keepMemory);
        } finally {
            lock.unlock();
        }
    }

    private void pauseLocked(SandboxRecord row, boolean keepMemory) {
        String id = row.id();
        onStopping.accept(id);
        try {
            runtime.pause(id, keepMemory);
        } catch (CoveException e) {
            LOG.error("Pausing sandbox {} failed: {}", id, e.getMessage());
            throw e.status() == 404 ? notFound(id) : e;
        }
        Instant now = now();
        store.markPaused(id, now, keepMemory);
        reaper.cancel(id);
        routes.paused(id, row, portAccess.policy(row));
        LOG.info("Sandbox {} paused ({})", id, keepMemory ? "memory kept" : "file system only");
    }

    /** What {@link #resume} did: the row as it is now, and whether it was paused. */
    public record Resumed(SandboxRecord row, boolean wasPaused) {}

    /**
     * Connect: a running sandbox's end is extended (never shortened) by {@code timeout}; a paused one is resumed
     * (thawed, or started afresh on its file system) and runs for {@code timeout} from now. With
     * {@code keepMemory = false} a sandbox paused with its memory is restarted instead of thawed (E2B's
     * {@code memory: false}). 404 when unknown or ended.
     */
    public Resumed resume(String id, Duration timeout, boolean keepMemory) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            SandboxRecord row = store.find(id).filter(r -> r.state().isLive()).orElseThrow(() -> notFound(id));
            if (row.state() == SandboxState.RUNNING) return new Resumed(extend(id, timeout), false);
            RuntimeSandbox resumed;
            try {
                if (!keepMemory) runtime.pause(id, false); // a frozen sandbox is stopped first: it restarts
                resumed = runtime.resume(id);
            } catch (CoveException e) {
                LOG.error("Resuming sandbox {} failed: {}", id, e.getMessage());
                throw e.status() == 404 ? notFound(id) : e;
            }
            Instant now = now();
            Duration capped = timeout.compareTo(config.maxSandboxLength()) > 0 ? config.maxSandboxLength() : timeout;
            Instant endAt = now.plus(capped);
            store.markResumed(id, now, endAt); // the maximum length counts from here again (E2B resets it)
            SandboxRecord running = row.running(now, endAt);
            routes.running(id, resumed.netnsPath(), running, portAccess.policy(running));
            reaper.schedule(id, endAt);
            LOG.info("Sandbox {} resumed (ends {})", id, endAt);
            return new Resumed(running, true);
        } finally {
            lock.unlock();
        }
    }

    /** How long a sandbox woken by traffic stays up (E2B keeps an auto-resumed sandbox awake at least 300 s). */
    static final Duration WAKE_TIMEOUT = Duration.ofSeconds(300);
    private final ExecutorService wakers = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * The edge's wake-on-request: resumes a paused sandbox created with {@code autoResume}, off the event loop. A
     * sandbox that ended is never brought back (the future fails with 404); concurrent wakes of one sandbox resume
     * it once (the lock; the second finds it running).
     */
    CompletableFuture<Void> wake(String id) {
        return CompletableFuture.runAsync(() -> {
            SandboxRecord row = store.find(id).orElseThrow(() -> notFound(id));
            if (!row.state().isLive()) throw notFound(id);
            if (row.state() == SandboxState.PAUSED && !row.autoResume()) throw paused(id);
            if (row.state() == SandboxState.PAUSED) {
                resume(id, WAKE_TIMEOUT, true);
                LOG.info("Sandbox {} woken by a request (autoResume)", id);
            }
        }, wakers);
    }

    private static CoveException paused(String id) {
        return new CoveException(409, "sandbox_paused", "Sandbox \"" + id + "\" is paused; resume it with connect first");
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
                String token = newToken();
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

    /** E2B's fields as the runtime takes them (null: not sent). */
    static EgressPolicy egressPolicy(Boolean allowInternetAccess, NetworkConfig network) {
        return EgressPolicy.of(allowInternetAccess, network == null ? null : network.allowOut(),
                network == null ? null : network.denyOut());
    }

    /**
     * E2B's {@code PUT /sandboxes/{id}/network}: replaces allowOut, denyOut and allow_internet_access (omitted =
     * cleared) of a running sandbox; the runtime applies it at once. The port access settings of the stored network
     * config (allowPublicTraffic, maskRequestHost) stay as they were.
     */
    public void updateNetwork(String id, Boolean allowInternetAccess, List<String> allowOut, List<String> denyOut) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            SandboxRecord row = store.find(id).filter(r -> r.state() == SandboxState.RUNNING)
                    .orElseThrow(() -> notFound(id));
            NetworkConfig old = row.network();
            NetworkConfig updated = new NetworkConfig(old == null ? null : old.allowPublicTraffic(), allowOut, denyOut,
                    old == null ? null : old.maskRequestHost());
            runtime.updateEgress(id, egressPolicy(allowInternetAccess, updated));
            store.updateNetwork(id, allowInternetAccess, updated);
            LOG.info("Sandbox {}: network policy replaced", id);
        } finally {
            lock.unlock();
        }
    }

    /** A sandbox's recent egress denials and their total count. */
    public record Denials(long total, List<EgressDenial> denials) {}

    public Denials egressDenials(String id) {
        store.find(id).filter(r -> r.state() == SandboxState.RUNNING).orElseThrow(() -> notFound(id));
        try {
            return new Denials(runtime.egressDenialCount(id), runtime.egressDenials(id));
        } catch (CoveException e) {
            if (e.status() == 404) throw notFound(id);
            throw e;
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
                pauseLocked(row, store.autoPauseMemory(id));
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

    // ---------------------------------------------------------------------------------------------- restart

    /**
     * After a (crash) restart: re-adopts running sandboxes the runtime still holds and resumes their timers
     * (a past {@code endAt} expires at once); running ones it lost and half-made ({@code starting}) ones become
     * tombstones; tombstones are loaded into the route table.
     */
    void recover() {
        List<SandboxRecord> open = store.findOwnByStates(EnumSet.of(SandboxState.STARTING, SandboxState.RUNNING,
                SandboxState.PAUSED));
        Set<String> keep = open.stream().filter(r -> r.state().isLive())
                .map(SandboxRecord::id).collect(Collectors.toUnmodifiableSet());
        Set<String> adopted = runtime.recover(keep);
        Instant now = now();
        int resumed = 0;
        int paused = 0;
        for (SandboxRecord row : open) {
            String id = row.id();
            if (row.state() == SandboxState.STARTING) {
                destroyQuietly(id);
                store.markEnded(id, SandboxState.KILLED, now, EndReason.CREATE_FAILED);
                LOG.info("Sandbox {} was being created when the server stopped; cleaned up", id);
                continue;
            }
            RuntimeSandbox held = adopted.contains(id) ? runtime.get(id) : null;
            if (held == null) {
                destroyQuietly(id);
                store.markEnded(id, SandboxState.KILLED, now, EndReason.LOST);
                LOG.warn("Sandbox {} was {} but the runtime could not re-adopt it; marked lost", id, row.state().wire());
                continue;
            }
            PauseState found = runtime.pauseState(id);
            if (row.state() == SandboxState.PAUSED || (found != null && found != PauseState.RUNNING)) {
                // Paused (or paused by the runtime just before the stop, before the row said so): it stays paused,
                // without a timer, until someone resumes it.
                if (row.state() != SandboxState.PAUSED) store.markPaused(id, now, found == PauseState.FROZEN);
                routes.paused(id, row, portAccess.policy(row));
                paused++;
                continue;
            }
            routes.running(id, held.netnsPath(), row, portAccess.policy(row));
            reaper.schedule(id, row.endAt());
            resumed++;
        }
        List<SandboxRecord> tombstones = store.findByStates(EnumSet.of(SandboxState.KILLED, SandboxState.EXPIRED));
        for (SandboxRecord t : tombstones) routes.ended(t.id(), t.endedAt(), t.endReason());
        LOG.info("Recovered {} running and {} paused sandbox(es), {} tombstone(s)", resumed, paused, tombstones.size());
    }

    // ---------------------------------------------------------------------------------------------- cluster

    /** Told the id of every sandbox whose route this node changed (a cluster publishes it to the others). */
    public void onRouteChange(Consumer<String> listener) { routes.onChange(listener); }

    /** The node this service's sandboxes run on, or null on a single host. */
    public String node() { return store.node(); }

    /**
     * A change followed from the cluster's feed (or a full reload): another node's sandbox is routed to that node's
     * edge ({@code owner}) or remembered as ended. A sandbox of this node's that the catalog says ended although
     * it still runs here (declared lost while this node was cut off, or ended by another node) is destroyed: no
     * sandbox the catalog gave up may keep serving.
     */
    public void follow(String id, SandboxRecord row, InetSocketAddress owner) {
        ReentrantLock lock = locks.of(id);
        lock.lock();
        try {
            if (row == null) {
                routes.remove(id);
            } else if (row.state().isEnded()) {
                SandboxRoute held = routes.lookup(id);
                if (store.node() != null && store.node().equals(row.node()) && held != null
                        && held.owner() == null && held.state() != SandboxRoute.State.ENDED) {
                    onStopping.accept(id);
                    destroyQuietly(id);
                    reaper.cancel(id);
                    LOG.warn("Sandbox {} ended in the catalog ({}) while this node held it; destroyed it", id, row.endReason());
                }
                routes.followEnded(id, row.endedAt(), row.endReason());
            } else if (owner != null && !row.node().equals(store.node())) {
                routes.followElsewhere(id, row.state() == SandboxState.PAUSED ? SandboxRoute.State.PAUSED
                        : SandboxRoute.State.RUNNING, owner);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Deletes tombstones older than the retention period (store and route table). */
    public int purgeTombstones() {
        Instant cutoff = now().minus(Duration.ofDays(config.tombstoneRetentionDays()));
        List<String> purged = store.purgeEndedBefore(cutoff);
        for (String id : purged) {
            routes.remove(id);
            locks.forget(id);
        }
        if (!purged.isEmpty()) LOG.info("Purged {} tombstone(s) older than {}", purged.size(), cutoff);
        return purged.size();
    }

    private void purgeQuietly() {
        try {
            purgeTombstones();
        } catch (RuntimeException e) {
            LOG.warn("Purging tombstones failed; will retry in {}", PURGE_INTERVAL, e);
        }
    }

    private void destroyQuietly(String id) {
        try {
            runtime.destroy(id);
        } catch (RuntimeException e) {
            LOG.error("Destroying sandbox {} failed", id, e);
        }
    }

    /** The store keeps milliseconds; so does everything computed here, so stored and scheduled ends agree. */
    private Instant now() { return clock.instant().truncatedTo(ChronoUnit.MILLIS); }

    /** Scheduled deadline of a sandbox (for tests and diagnostics), or null. */
    Instant scheduledEnd(String id) { return reaper.deadline(id); }

    private static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** Stops timers; sandboxes keep running (a restarted server re-adopts them). */
    @Override
    public void close() {
        reaper.close();
        wakers.shutdownNow();
        if (purger != null) purger.shutdownNow();
    }
}
