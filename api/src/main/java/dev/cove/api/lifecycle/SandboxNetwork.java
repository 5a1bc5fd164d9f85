package dev.cove.api.lifecycle;

import dev.cove.api.store.NetworkConfig;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import dev.cove.core.CoveException;
import dev.cove.core.runtime.EgressDenial;
import dev.cove.core.runtime.EgressPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import static dev.cove.api.lifecycle.SandboxService.notFound;

/**
 * A sandbox's outbound network: E2B's egress fields as the runtime takes them, their replacement on a running sandbox
 * and the denials the runtime counted. Apart from {@link SandboxService} because it changes only the egress part of a
 * sandbox and of its row, never its state; the replacement takes the sandbox's lock like every other change.
 */
public final class SandboxNetwork extends LifecyclePart {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxNetwork.class);


    SandboxNetwork(Parts parts) {
        super(parts);
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
    public void update(String id, Boolean allowInternetAccess, List<String> allowOut, List<String> denyOut) {
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

    /** The recent egress denials of a running sandbox; 404 when unknown, ended or paused. */
    public Denials denials(String id) {
        store.find(id).filter(r -> r.state() == SandboxState.RUNNING).orElseThrow(() -> notFound(id));
        try {
            return new Denials(runtime.egressDenialCount(id), runtime.egressDenials(id));
        } catch (CoveException e) {
            if (e.status() == 404) throw notFound(id);
            throw e;
        }
    }
}
