package dev.cove.api.lifecycle;

import dev.cove.api.ApiConfig;
import dev.cove.api.store.PortAccessStore;
import dev.cove.api.store.NetworkConfig;
import dev.cove.api.store.SandboxRecord;
import dev.cove.core.routing.PortAccessPolicy;
import dev.cove.core.routing.LinkTokens;
import dev.cove.core.routing.PortAccess;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns what the store says about a sandbox's ports (its default access, port rules, share links) into the
 * {@link PortAccessPolicy} the edge applies, and records the settings of a create request. The rules of precedence are
 * in {@code docs/ports.md}: E2B's explicit {@code allowPublicTraffic} first, then the port's rule, the sandbox's
 * default, the operator's default.
 */
public final class PortAccessService {
    private final ApiConfig config;
    private final PortAccessStore store;
    private final LinkTokens linkTokens;

    public PortAccessService(ApiConfig config, PortAccessStore store, LinkTokens linkTokens) {
        this.config = config;
        this.store = store;
        this.linkTokens = linkTokens;
    }

    public PortAccessStore store() { return store; }

    /** Mints and checks share-link tokens (the edge holds the same secret). */
    public LinkTokens linkTokens() { return linkTokens; }

    /** The default access a create request ends up with. */
    PortAccess defaultAccess(NewSandbox req) {
        Boolean allowPublic = req.allowPublicTraffic();
        if (allowPublic != null) return allowPublic ? PortAccess.PUBLIC : PortAccess.PRIVATE;
        return req.defaultPortAccess() != null ? req.defaultPortAccess() : config.defaultPortAccess();
    }

    /** Whether the sandbox needs a traffic access token from the start. */
    boolean needsToken(NewSandbox req) {
        if (Boolean.TRUE.equals(req.allowPublicTraffic())) return false;
        return defaultAccess(req).needsCredential() || req.portAccess().values().stream().anyMatch(PortAccess::needsCredential);
    }

    /** Keeps the request's port settings (before the sandbox runs, so the first route already has them). */
    void recordCreate(String id, NewSandbox req, Instant now) {
        store.saveDefaultAccess(id, defaultAccess(req));
        req.portAccess().forEach((port, access) ->
                store.putPortRule(id, new PortAccessStore.PortRuleRow(port, access, null, null, now)));
    }

    /** The sandbox's policy as the edge applies it, read from the store. */
    public PortAccessPolicy policy(SandboxRecord row) {
        NetworkConfig net = row.network();
        Boolean allowPublic = net == null ? null : net.allowPublicTraffic();
        if (Boolean.TRUE.equals(allowPublic)) return PortAccessPolicy.openToAll();
        boolean e2bPrivate = Boolean.FALSE.equals(allowPublic);
        // Sandboxes made before port access existed have no row: public, or private when they had a token.
        PortAccess defaultAccess = store.defaultAccess(row.id())
                .orElse(row.trafficAccessToken() != null ? PortAccess.PRIVATE : PortAccess.PUBLIC);
        Map<Integer, PortAccessPolicy.PortRule> ports = new HashMap<>();
        store.portRules(row.id()).forEach((port, r) ->
                ports.put(port, new PortAccessPolicy.PortRule(r.access(), r.exposedUntil(), r.closedAt(), r.crossSite())));
        Map<String, PortAccessPolicy.LinkGrant> links = new HashMap<>();
        for (PortAccessStore.LinkRow l : store.links(row.id())) {
            links.put(l.id(), new PortAccessPolicy.LinkGrant(l.port(), l.expiresAt(), l.revokedAt() != null));
        }
        return new PortAccessPolicy(e2bPrivate, false, defaultAccess, row.trafficAccessToken(), ports, links);
    }
}
