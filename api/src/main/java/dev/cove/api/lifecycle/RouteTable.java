package dev.cove.api.lifecycle;

import dev.cove.api.store.SandboxRecord;
import dev.cove.core.routing.PortAccessPolicy;
import dev.cove.core.routing.SandboxDirectory;
import dev.cove.core.routing.SandboxRoute;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The in-memory {@link SandboxDirectory} the edge asks on its event loops: a concurrent map kept current by
 * {@link SandboxService} and its parts on every state change (tombstones included, loaded at start), so the edge
 * never touches the database and never blocks. In a cluster it also holds the other nodes' sandboxes (followed from the
 * change feed): live ones point at their node's edge, ended ones say why.
 */
public final class RouteTable implements SandboxDirectory {
    private final ConcurrentHashMap<String, SandboxRoute> routes = new ConcurrentHashMap<>();
    /** Told the id after every change this node makes (a cluster publishes it); not for changes followed from others. */
    private volatile Consumer<String> changed = id -> {};

    void onChange(Consumer<String> listener) { this.changed = listener; }

    @Override
    public SandboxRoute lookup(String sandboxId) {
        return sandboxId == null ? null : routes.get(sandboxId);
    }

    /** Running, with the row's per-sandbox edge settings: {@code network.maskRequestHost} and who may reach which port. */
    void running(String id, String netnsPath, SandboxRecord row, PortAccessPolicy portAccess) {
        String mask = row.network() == null ? null : row.network().maskRequestHost();
        routes.put(id, new SandboxRoute(id, SandboxRoute.State.RUNNING, netnsPath, null, null, mask, portAccess, row.autoResume()));
        changed.accept(id);
    }

    /** Paused: the edge answers 409, or wakes it ({@code autoResume}) once the port's access policy let the request in. */
    void paused(String id, SandboxRecord row, PortAccessPolicy portAccess) {
        String mask = row.network() == null ? null : row.network().maskRequestHost();
        routes.put(id, new SandboxRoute(id, SandboxRoute.State.PAUSED, null, null, null, mask, portAccess, row.autoResume()));
        changed.accept(id);
    }

    private Function<String, CompletableFuture<Void>> waker =
            id -> CompletableFuture.failedFuture(new IllegalStateException("no waker"));

    void waker(Function<String, CompletableFuture<Void>> waker) { this.waker = waker; }

    @Override
    public CompletionStage<Void> wake(String sandboxId) {
        SandboxRoute route = lookup(sandboxId);
        if (route == null || route.state() != SandboxRoute.State.PAUSED || !route.autoResume()) {
            return CompletableFuture.completedFuture(null); // nothing to wake: route again
        }
        return waker.apply(sandboxId);
    }

    /** Replaces the port access policy of a known sandbox (no-op for unknown ones). */
    void portAccess(String id, PortAccessPolicy portAccess) {
        routes.computeIfPresent(id, (k, route) -> route.withPortAccess(portAccess));
        changed.accept(id);
    }

    void ended(String id, Instant endedAt, String reason) {
        followEnded(id, endedAt, reason);
        changed.accept(id);
    }

    void remove(String id) { routes.remove(id); }

    /** Another node's live sandbox: requests go to that node's edge at {@code owner}. */
    void followElsewhere(String id, SandboxRoute.State state, InetSocketAddress owner) {
        routes.put(id, SandboxRoute.elsewhere(id, state, owner));
    }

    /** A sandbox that ended (here or on another node), without publishing. */
    void followEnded(String id, Instant endedAt, String reason) {
        routes.put(id, new SandboxRoute(id, SandboxRoute.State.ENDED, null, endedAt, reason));
    }
}
