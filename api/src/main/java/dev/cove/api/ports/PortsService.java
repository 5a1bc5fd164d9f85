package dev.cove.api.ports;

import dev.cove.api.http.TypedErrors;
import dev.cove.api.lifecycle.PortAccessService;
import dev.cove.api.lifecycle.SandboxProcesses;
import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.store.PortAccessStore;
import dev.cove.api.store.PortAccessStore.LinkRow;
import dev.cove.api.store.PortAccessStore.PortRuleRow;
import dev.cove.api.store.SandboxRecord;
import dev.cove.api.store.SandboxState;
import dev.cove.core.CoveException;
import dev.cove.core.net.SocketTable;
import dev.cove.core.routing.CoveHeaders;
import dev.cove.core.routing.LinkTokens;
import dev.cove.core.routing.PortAccessPolicy;
import dev.cove.core.routing.PortAccess;
import dev.cove.core.runtime.SandboxRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Exposing sandbox ports (see {@code docs/ports.md}): what listens, expose with a readiness check through the edge,
 * unexpose, share links and the audit trail. Every change goes through {@link SandboxService#changePortAccess}, which
 * holds the sandbox's lock and republishes its policy to the edge.
 */
public final class PortsService {
    private static final Logger LOG = LoggerFactory.getLogger(PortsService.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(30);
    static final Duration MAX_READY_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final SandboxService sandboxes;
    private final PortAccessService portAccess;
    private final PortAccessStore store;
    private final SandboxRuntime runtime;
    private final SandboxProcesses processes;
    private final PortAccessAuditLog accessAudit;
    private final Supplier<EdgeProbe> edge;

    /** @param edge the edge to check exposed URLs through; its supplier answers null until the edge is up */
    public PortsService(SandboxService sandboxes, SandboxRuntime runtime, SandboxProcesses processes, PortAccessAuditLog accessAudit,
                        Supplier<EdgeProbe> edge) {
        this.sandboxes = sandboxes;
        this.portAccess = sandboxes.portAccess();
        this.store = portAccess.store();
        this.runtime = runtime;
        this.processes = processes;
        this.accessAudit = accessAudit;
        this.edge = edge;
    }

    // ------------------------------------------------------------------------------------------ reading

    /** One listener: address, family, and the process holding it (null when it could not be found). */
    public record Listening(int port, String address, String family, Long pid, String command) {}

    /** An exposed (or configured) port. */
    public record Exposed(int port, PortAccess access, String url, String state, Instant exposedUntil, Instant expiresAt,
                          List<Link> links, boolean crossSite) {}

    /** A share link as listed: never its token. */
    public record Link(String id, int port, Instant createdAt, Instant expiresAt, boolean lifetime, boolean revoked,
                       Instant revokedAt) {}

    /** A link just made: the only time its token and URL are shown. */
    public record NewLink(Link link, String token, String url) {}

    public record PortsView(String sandboxId, PortAccess defaultAccess, List<Listening> listening, List<Exposed> exposed) {}

    /** What listens in a running sandbox, addresses and ports only (409 when paused, 404 when unknown or ended). */
    public List<Listening> listenersIn(String id) {
        running(id);
        return listeners(id);
    }

    public PortsView ports(String id) {
        SandboxRecord row = running(id);
        PortAccessPolicy policy = portAccess.policy(row);
        List<Listening> listening = listening(id);
        Instant now = now();
        Map<Integer, List<Link>> linksByPort = new LinkedHashMap<>();
        for (LinkRow l : store.links(id)) linksByPort.computeIfAbsent(l.port(), p -> new ArrayList<>()).add(link(l, row));
        List<Exposed> exposed = new ArrayList<>();
        for (PortRuleRow rule : store.portRules(id).values()) {
            exposed.add(exposed(row, policy, rule, linksByPort.getOrDefault(rule.port(), List.of()), now));
        }
        return new PortsView(id, policy.allPublic() ? PortAccess.PUBLIC : policy.defaultAccess(), listening, exposed);
    }

    /** Whether the sandbox runs (the port event stream ends when it does not). */
    boolean isRunning(String id) {
        return sandboxes.find(id).map(r -> r.state() == SandboxState.RUNNING).orElse(false);
    }

    /** What listens, with the process holding each (walks the host's processes: for listings). */
    List<Listening> listening(String id) {
        List<Listening> out = new ArrayList<>();
        for (SocketTable.Owned o : runtime.listeningPorts(id)) {
            out.add(new Listening(o.listener().port(), o.listener().addressText(),
                    o.listener().ipv6() ? "ipv6" : "ipv4", o.pid(), o.command()));
        }
        return out;
    }

    /** What listens, addresses and ports only (the socket table alone: for polling). */
    List<Listening> listeners(String id) {
        List<Listening> out = new ArrayList<>();
        for (SocketTable.Listener l : runtime.sockets(id).listeners()) {
            out.add(new Listening(l.port(), l.addressText(), l.ipv6() ? "ipv6" : "ipv4", null, null));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ expose

    /**
     * An expose request.
     *
     * @param access    the policy to set, or null to keep the port's current one
     * @param window    the exposure window, or null for the sandbox's lifetime
     * @param link      create a share link: null no link (unless {@code access} is LINK), else its TTL
     *                  ({@link Duration#ZERO} = the sandbox's lifetime)
     * @param readiness what counts as ready
     * @param timeout   how long to wait for it
     * @param pid       the sandbox pid of the serving process, or null
     */
    /**
     * @param crossSite true: the port takes other sites' requests made with its visitors' Cove cookie (the edge's
     *                  cross-site guard steps aside, docs/browser-isolation.md); null: keep what the port had
     */
    public record ExposeRequest(PortAccess access, Duration window, Duration link, Readiness readiness, Duration timeout,
                                Integer pid, Boolean crossSite) {
        public ExposeRequest(PortAccess access, Duration window, Duration link, Readiness readiness, Duration timeout,
                             Integer pid) {
            this(access, window, link, readiness, timeout, pid, null);
        }
    }

    /** {@code http}: a request to {@code path} answers {@code status} (null: any status below 500); {@code tcp}: it connects. */
    public record Readiness(boolean http, String path, Integer status) {
        public static final Readiness TCP = new Readiness(false, "/", null);
    }

    public record ExposeResult(Exposed exposed, String token, NewLink link) {}

    /**
     * Waits until the port answers through the edge, then records the exposure and returns its URL; nothing is
     * exposed when it does not get ready (the typed reason is thrown).
     */
    public ExposeResult expose(String id, int port, ExposeRequest req, String source) {
        SandboxRecord row = running(id);
        PortAccessPolicy before = portAccess.policy(row);
        PortAccess access = req.access() != null ? req.access() : before.accessOf(port);
        if (before.allPublic() && access != PortAccess.PUBLIC) {
            throw new CoveException(409, "conflict", "Sandbox " + id + " was created with network.allowPublicTraffic=true, "
                    + "so every port is public; create it without that setting to keep ports private");
        }
        if (before.e2bPrivate() && access == PortAccess.PUBLIC) {
            throw new CoveException(409, "conflict", "Sandbox " + id + " was created with network.allowPublicTraffic=false, "
                    + "so no port can be public; share a port with a link instead");
        }
        Instant now = now();
        Instant until = req.window() == null ? null : now.plus(req.window());
        // The rule goes in first, so the check meets the port as it will be (a closed window reopened); if the
        // server does not get ready, the previous rule comes back and nothing was exposed.
        PortRuleRow previous = store.portRules(id).get(port);
        boolean crossSite = req.crossSite() != null ? req.crossSite() : previous != null && previous.crossSite();
        SandboxRecord opened = sandboxes.changePortAccess(id, r -> {
            store.putPortRule(id, new PortRuleRow(port, access, until, null, now, crossSite));
            return r;
        });
        try {
            awaitReady(sandboxes.find(id).orElse(opened), port, req);
        } catch (RuntimeException notReady) {
            restore(id, port, previous);
            throw notReady;
        }
        boolean wantsLink = req.link() != null || access == PortAccess.LINK;
        NewLink[] made = new NewLink[1];
        SandboxRecord current = sandboxes.changePortAccess(id, r -> {
            audit(id, "expose", port, null, source, access.wire() + (until == null ? "" : " until " + until));
            if (wantsLink) made[0] = insertLink(r, port, req.link() == null ? Duration.ZERO : req.link(), source);
            return r;
        });
        SandboxRecord fresh = sandboxes.find(id).orElse(current);
        PortAccessPolicy policy = portAccess.policy(fresh);
        PortRuleRow rule = store.portRules(id).get(port);
        List<Link> links = store.links(id).stream().filter(l -> l.port() == port).map(l -> link(l, fresh)).toList();
        Exposed exposed = exposed(fresh, policy, rule, links, now);
        LOG.info("Sandbox {}: port {} exposed ({}{})", id, port, access.wire(), until == null ? "" : " until " + until);
        return new ExposeResult(exposed, access.needsCredential() ? fresh.trafficAccessToken() : null,
                made[0] == null ? null : withUrl(made[0], exposed.url()));
    }

    private void restore(String id, int port, PortRuleRow previous) {
        try {
            sandboxes.changePortAccess(id, r -> {
                if (previous == null) store.deletePortRule(id, port);
                else store.putPortRule(id, previous);
                return null;
            });
        } catch (CoveException gone) {
            // the sandbox ended meanwhile: nothing left to restore
        }
    }

    /** Closes the port at once (403 {@code exposure_expired} until exposed again) and revokes its links. */
    public void unexpose(String id, int port, String source) {
        sandboxes.changePortAccess(id, row -> {
            Instant now = now();
            PortRuleRow old = store.portRules(id).get(port);
            PortAccess access = old != null ? old.access() : portAccess.policy(row).accessOf(port);
            store.putPortRule(id, new PortRuleRow(port, access, old == null ? null : old.exposedUntil(), now, now,
                    old != null && old.crossSite()));
            int revoked = store.revokeLinks(id, port, now);
            audit(id, "unexpose", port, null, source, revoked == 0 ? null : revoked + " link(s) revoked");
            return null;
        });
        LOG.info("Sandbox {}: port {} unexposed", id, port);
    }

    // ------------------------------------------------------------------------------------------ links

    /** @param ttl the link's own lifetime, or {@link Duration#ZERO} for the sandbox's */
    public NewLink createLink(String id, int port, Duration ttl, String source) {
        NewLink made = sandboxes.changePortAccess(id, row -> {
            PortRuleRow rule = store.portRules(id).get(port);
            if (rule != null && rule.closedAt() != null) {
                throw new CoveException(409, "exposure_expired", "Port " + port + " of sandbox " + id
                        + " is unexposed; expose it again before sharing it");
            }
            if (Boolean.TRUE.equals(row.network() == null ? null : row.network().allowPublicTraffic())) {
                throw new CoveException(409, "conflict", "Every port of sandbox " + id
                        + " is public (network.allowPublicTraffic=true); a link would add nothing");
            }
            if (rule == null) {
                // A link says the port is meant to be shared; it stays as private as it was for everyone else.
                PortAccess access = portAccess.policy(row).accessOf(port);
                store.putPortRule(id, new PortRuleRow(port, access == PortAccess.PUBLIC ? PortAccess.PUBLIC : PortAccess.LINK,
                        null, null, now()));
            }
            return insertLink(row, port, ttl, source);
        });
        return withUrl(made, url(id, port));
    }

    public List<Link> links(String id) {
        SandboxRecord row = running(id);
        return store.links(id).stream().map(l -> link(l, row)).toList();
    }

    public void revoke(String id, String linkId, String source) {
        sandboxes.changePortAccess(id, row -> {
            LinkRow link = store.links(id).stream().filter(l -> l.id().equals(linkId)).findFirst()
                    .orElseThrow(() -> CoveException.notFound("link_not_found", "Sandbox " + id + " has no share link "
                            + linkId + ". List its links with GET /sandboxes/" + id + "/links."));
            if (store.revokeLink(id, linkId, now())) audit(id, "link_revoked", link.port(), linkId, source, null);
            return null;
        });
    }

    public int revokeAll(String id, String source) {
        return sandboxes.changePortAccess(id, row -> {
            int n = store.revokeLinks(id, null, now());
            if (n > 0) audit(id, "link_revoked", null, null, source, "all (" + n + ")");
            return n;
        });
    }

    // ------------------------------------------------------------------------------------------ audit

    public List<PortAccessStore.AuditRow> audit(String id, int limit) {
        sandboxes.find(id).orElseThrow(() -> SandboxService.notFound(id)); // tombstones keep their trail
        accessAudit.flush();
        return mergeAccesses(store.audit(id, limit));
    }

    /**
     * Access rows are written every few seconds, so one minute's count of one kind may sit in several rows: they are
     * summed here (in the place of the first), so a reader sees one row per minute, port, credential, source and status.
     */
    static List<PortAccessStore.AuditRow> mergeAccesses(List<PortAccessStore.AuditRow> rows) {
        record Key(Instant at, Integer port, String linkId, String source, String access, Integer status) {}
        Map<Key, Integer> at = new HashMap<>();
        List<PortAccessStore.AuditRow> out = new ArrayList<>();
        for (PortAccessStore.AuditRow r : rows) {
            if (!"access".equals(r.kind())) {
                out.add(r);
                continue;
            }
            Key k = new Key(r.at(), r.port(), r.linkId(), r.source(), r.access(), r.status());
            Integer i = at.get(k);
            if (i == null) {
                at.put(k, out.size());
                out.add(r);
            } else {
                PortAccessStore.AuditRow first = out.get(i);
                out.set(i, new PortAccessStore.AuditRow(first.at(), first.sandboxId(), first.kind(), first.port(), first.linkId(),
                        first.source(), first.access(), first.status(), first.count() + r.count(), first.detail()));
            }
        }
        return out;
    }

    private void audit(String id, String kind, Integer port, String linkId, String source, String detail) {
        store.appendAudit(List.of(new PortAccessStore.AuditRow(now(), id, kind, port, linkId, source, null, null, 1, detail)));
    }

    // ------------------------------------------------------------------------------------------ readiness

    private void awaitReady(SandboxRecord row, int port, ExposeRequest req) {
        String id = row.id();
        EdgeProbe probe = edge.get();
        if (probe == null) throw new CoveException(503, "edge_unavailable", "The edge is not running yet; try again in a moment");
        Duration timeout = req.timeout() == null ? DEFAULT_READY_TIMEOUT : req.timeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        Readiness readiness = req.readiness() == null ? Readiness.TCP : req.readiness();
        String host = port + "-" + id + "." + sandboxes.config().domain();
        Map<String, String> credential = row.trafficAccessToken() == null ? Map.of()
                : Map.of(CoveHeaders.TRAFFIC_ACCESS_TOKEN, row.trafficAccessToken());
        List<Listening> listening = List.of();
        EdgeProbe.Result last = null;
        String lastError = null;
        while (true) {
            if (req.pid() != null) {
                SandboxProcesses.ProcessState process = processes.state(id, req.pid());
                if (process != null && !process.running()) {
                    throw notReady(409, "process_exited", "The process " + req.pid() + " that serves port " + port
                            + " ended (" + process.status() + ") before the port was ready. Check its output, fix it "
                            + "and start it again.", exitDetails(req.pid(), process.status()));
                }
            }
            if (sandboxes.find(id).map(r -> r.state() != SandboxState.RUNNING).orElse(true)) throw SandboxService.notFound(id);
            listening = listeners(id); // polled every 100 ms: no owner lookup
            if (listening.stream().anyMatch(l -> l.port() == port)) {
                try {
                    last = probe.get(host, readiness.path(), credential, PROBE_TIMEOUT);
                    lastError = null;
                    if (last.fromSandbox() && (!readiness.http() || statusMatches(readiness, last.status()))) return;
                } catch (IOException e) {
                    lastError = e.getMessage();
                }
            } else {
                last = null;
            }
            if (System.nanoTime() >= deadline) break;
            sleep();
        }
        throw failure(id, port, readiness, timeout, listening, last, lastError);
    }

    /** {@code pid}, {@code status} ("exit status 3", "signal: killed") and, for a plain exit, {@code exitCode}. */
    private static Map<String, Object> exitDetails(int pid, String status) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("pid", pid);
        details.put("status", status);
        if (status != null && status.startsWith("exit status ")) {
            try {
                details.put("exitCode", Integer.parseInt(status.substring("exit status ".length()).strip()));
            } catch (NumberFormatException ignored) {
                // not a plain exit: the status says what happened
            }
        }
        return details;
    }

    private static boolean statusMatches(Readiness r, int status) {
        return r.status() == null ? status < 500 : status == r.status();
    }

    private CoveException failure(String id, int port, Readiness readiness, Duration timeout, List<Listening> listening,
                                  EdgeProbe.Result last, String lastError) {
        String waited = " within " + timeout.toSeconds() + " s";
        List<Listening> onPort = listening.stream().filter(l -> l.port() == port).toList();
        if (onPort.isEmpty()) {
            List<Integer> open = listening.stream().map(Listening::port).distinct().toList();
            return notReady(409, "port_not_listening", "Nothing listened on port " + port + " of sandbox " + id + waited
                    + (open.isEmpty() ? "; nothing listens at all" : "; listening: " + open)
                    + ". Start the server (bound to 0.0.0.0, :: or localhost) and expose again.",
                    Map.of("listening", open));
        }
        if (last != null && last.fromSandbox()) {
            return notReady(409, "unexpected_status", "Port " + port + " of sandbox " + id + " answered " + readiness.path()
                    + " with " + last.status() + ", expected " + (readiness.status() == null ? "a status below 500"
                    : readiness.status()) + waited + ".", Map.of("status", last.status(),
                    "expected", readiness.status() == null ? "<500" : readiness.status()));
        }
        String address = onPort.getFirst().address();
        String why = last != null ? "the edge answered " + last.status() + " " + last.edgeCode()
                : lastError != null ? lastError : "no answer";
        return notReady(409, "port_unreachable", "A server listens on " + address + ":" + port + " in sandbox " + id
                + ", but the edge could not reach it" + waited + " (" + why + "). Bind it to 0.0.0.0, :: or localhost.",
                Map.of("address", address));
    }

    private static CoveException notReady(int status, String code, String message, Map<String, Object> details) {
        return new PortNotReadyException(status, code, message, details);
    }

    /** A typed expose refusal with the details the API adds to the body. */
    public static final class PortNotReadyException extends CoveException implements TypedErrors.Detailed {
        private final Map<String, Object> details;

        PortNotReadyException(int status, String code, String message, Map<String, Object> details) {
            super(status, code, message);
            this.details = Map.copyOf(details);
        }

        @Override
        public Map<String, Object> details() { return details; }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private SandboxRecord running(String id) {
        SandboxRecord row = sandboxes.getLive(id);
        if (row.state() != SandboxState.RUNNING) {
            throw new CoveException(409, "sandbox_paused", "Sandbox " + id + " is paused; resume it (connect) first");
        }
        return row;
    }

    private NewLink insertLink(SandboxRecord row, int port, Duration ttl, String source) {
        Instant now = now();
        Instant expires = ttl == null || ttl.isZero() ? null : now.plus(ttl).truncatedTo(ChronoUnit.SECONDS);
        String linkId = "lnk_" + HexFormat.of().formatHex(randomBytes(9));
        store.insertLink(new LinkRow(linkId, row.id(), port, now, expires, null));
        audit(row.id(), "link_created", port, linkId, source, expires == null ? "sandbox lifetime" : "until " + expires);
        String token = portAccess.linkTokens().mint(row.id(), port, linkId, expires);
        return new NewLink(link(new LinkRow(linkId, row.id(), port, now, expires, null), row), token, null);
    }

    private static NewLink withUrl(NewLink made, String baseUrl) {
        return new NewLink(made.link(), made.token(), baseUrl + "?" + LinkTokens.QUERY_PARAMETER + "=" + made.token());
    }

    private Link link(LinkRow l, SandboxRecord row) {
        Instant end = row.endAt();
        Instant expires = l.expiresAt() == null || l.expiresAt().isAfter(end) ? end : l.expiresAt();
        return new Link(l.id(), l.port(), l.createdAt(), expires, l.lifetime(), l.revokedAt() != null, l.revokedAt());
    }

    private Exposed exposed(SandboxRecord row, PortAccessPolicy policy, PortRuleRow rule, List<Link> links, Instant now) {
        PortAccessPolicy.PortRule r = new PortAccessPolicy.PortRule(rule.access(), rule.exposedUntil(), rule.closedAt(),
                rule.crossSite());
        String state = rule.closedAt() != null ? "closed" : r.closedBy(now) != null ? "expired" : "open";
        Instant expires = rule.exposedUntil() == null || rule.exposedUntil().isAfter(row.endAt()) ? row.endAt() : rule.exposedUntil();
        return new Exposed(rule.port(), policy.accessOf(rule.port()), url(row.id(), rule.port()), state, rule.exposedUntil(),
                expires, links, rule.crossSite());
    }

    String url(String id, int port) {
        return "https://" + port + "-" + id + "." + sandboxes.config().domain() + "/";
    }

    private Instant now() { return sandboxes.clock().instant().truncatedTo(ChronoUnit.MILLIS); }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CoveException(503, "interrupted", "The server is shutting down");
        }
    }

    static String requireSource(String source) { return Objects.requireNonNullElse(source, "unknown"); }
}
