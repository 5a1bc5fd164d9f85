package dev.cove.api.lifecycle;

import dev.cove.api.ApiConfig;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import dev.cove.core.CoveException;
import dev.cove.core.SandboxId;
import dev.cove.core.runtime.EgressPolicy;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import static dev.cove.api.lifecycle.SandboxNetwork.egressPolicy;

/**
 * Turns a create into a running sandbox, or into a tombstone with nothing left behind: the row, the runtime's
 * sandbox, its route and its timer come into being together under the new sandbox's lock. Apart from
 * {@link SandboxService} because creating is the one change that starts from no sandbox and must undo a half-made one.
 */
public final class SandboxCreator extends LifecyclePart {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxCreator.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TemplateResolver templates;

    SandboxCreator(Parts parts, TemplateResolver templates) {
        super(parts);
        this.templates = templates;
    }

    /**
     * Creates and starts a sandbox: checks the template, records the row as {@code starting}, asks the runtime,
     * then marks it {@code running} and arms its timer. If the runtime fails, whatever it made is destroyed and
     * the row becomes a tombstone ({@code killed}, reason {@code create_failed}); no half-made sandbox remains.
     */
    public SandboxRecord create(NewSandbox req) {
        return create(req, templates.forCreate(req.template()));
    }

    /**
     * {@link #create(NewSandbox)} on {@code image} (a snapshot, a fork's capture, a built template) instead of the
     * template the request names; null: the request's template, a node recipe.
     */
    public SandboxRecord create(NewSandbox req, TemplateCatalog.Image image) {
        if (image != null) templates.ensure(image.base());
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

    /** A fresh secret (envd access token, traffic access token): 32 random bytes in hex. */
    static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
