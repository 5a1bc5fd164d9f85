package dev.cove.sdk.ports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.Access;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.errors.NotFoundException;
import dev.cove.sdk.internal.Envd;
import dev.cove.sdk.internal.Json;
import dev.cove.sdk.internal.Transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A sandbox's ports: what listens inside it (with the process behind each listener), which ports have a URL and
 * under which policy, and their share links.
 * <pre>{@code
 * ExposedPort web = sbx.expose(3000, Access.PRIVATE, Wait.forHttp("/").forStatusCode(200), null);
 * ShareLink link = sbx.ports().share(3000, Duration.ofMinutes(10));   // hand link.url() out
 * sbx.ports().revoke(link.id());
 * }</pre>
 * The server reads listeners from the sandbox's own socket tables, so it sees every listener of the sandbox's
 * network namespace, whoever started it.
 */
public final class Ports {
    /** How long the SDK waits for an expose answer beyond the server's own readiness timeout. */
    private static final Duration EXPOSE_MARGIN = Duration.ofSeconds(30);
    private static final Duration SERVER_DEFAULT_READINESS_TIMEOUT = Duration.ofSeconds(30);

    private final Sandbox sandbox;
    private final Transport transport;

    /** The ports of {@code sandbox}, reached through its transport; users get theirs from {@link Sandbox#ports()}. */
    public Ports(Sandbox sandbox, Transport transport) {
        this.sandbox = sandbox;
        this.transport = transport;
    }

    /** Everything at once, in one request: the default policy, the listeners and the exposed ports. */
    public PortsInfo list() {
        JsonNode n = transport().api("GET", base() + "/ports", null).body;
        List<ListeningPort> listening = new ArrayList<>();
        JsonNode l = n.get("listening");
        if (l != null && l.isArray()) l.forEach(x -> listening.add(ListeningPort.of(x)));
        listening.sort(Comparator.comparingInt(ListeningPort::port).thenComparing(p -> String.valueOf(p.address())));
        List<ExposedPort> exposed = new ArrayList<>();
        JsonNode e = n.get("exposed");
        if (e != null && e.isArray()) e.forEach(x -> exposed.add(ExposedPort.of(this, x)));
        exposed.sort(Comparator.comparingInt(ExposedPort::port));
        String id = Json.text(n, "sandboxID");
        return new PortsInfo(id != null ? id : sandbox.getSandboxId(), Access.fromServer(Json.text(n, "defaultAccess")),
                List.copyOf(listening), List.copyOf(exposed));
    }

    /** TCP listeners, by port then address, with the pid and command line of the process behind each. */
    public List<ListeningPort> listening() { return list().listening(); }

    /** True when something listens on {@code port} (any address). */
    public boolean isListening(int port) {
        checkPort(port);
        return listening().stream().anyMatch(p -> p.port() == port);
    }

    /** Ports that have been exposed, by port: open ones, and those whose window is over or that were unexposed. */
    public List<ExposedPort> exposed() { return list().exposed(); }

    /** See {@link Sandbox#expose(int, ExposeOptions)}. */
    public ExposedPort expose(int port, ExposeOptions options) {
        checkPort(port);
        ExposeOptions o = options != null ? options : new ExposeOptions();
        Duration wait = o.effectiveTimeout() != null ? o.effectiveTimeout() : SERVER_DEFAULT_READINESS_TIMEOUT;
        Duration limit = wait.plus(EXPOSE_MARGIN);
        if (limit.compareTo(sandbox.config().requestTimeout()) < 0) limit = sandbox.config().requestTimeout();
        JsonNode n = transport().api("POST", base() + "/ports/" + port + "/expose", o.body(), limit).body;
        return ExposedPort.of(this, n);
    }

    /**
     * Closes the port's URL now: it answers {@code 403 exposure_expired} until exposed again, and its share links
     * stop with it. The server inside the sandbox keeps running.
     */
    public void unexpose(int port) {
        checkPort(port);
        transport().api("DELETE", base() + "/ports/" + port + "/expose", null);
    }

    /**
     * A new share link of {@code port} that expires after {@code ttl} (never after the sandbox's end; null: as long
     * as the sandbox lives). Its {@link ShareLink#url()} and {@link ShareLink#token()} are shown only here.
     */
    public ShareLink share(int port, Duration ttl) {
        checkPort(port);
        ObjectNode body = Json.object();
        if (ExposeOptions.positive(ttl, "ttl") != null) body.put("ttlSeconds", ExposeOptions.seconds(ttl));
        return ShareLink.of(transport().api("POST", base() + "/ports/" + port + "/links", body).body, port);
    }

    /** A new share link of {@code port} that lives as long as the sandbox (and follows its extensions). */
    public ShareLink share(int port) { return share(port, null); }

    /** Every share link of the sandbox, revoked ones included (without tokens). */
    public List<ShareLink> links() {
        JsonNode n = transport().api("GET", base() + "/links", null).body;
        List<ShareLink> out = new ArrayList<>();
        JsonNode l = n.get("links");
        if (l != null && l.isArray()) l.forEach(x -> out.add(ShareLink.of(x, 0)));
        return out;
    }

    /**
     * Revokes one share link: requests carrying it are refused with {@code 403 link_revoked} from now on.
     *
     * @throws NotFoundException ({@code link_not_found}) when the sandbox has no such link
     */
    public void revoke(String linkId) {
        if (linkId == null || linkId.isBlank()) throw new IllegalArgumentException("link id is required");
        transport().api("DELETE", base() + "/links/" + Envd.enc(linkId.strip()), null);
    }

    /** Revokes every share link of the sandbox; returns how many were revoked. */
    public int revokeAll() {
        return Json.integer(transport().api("DELETE", base() + "/links", null).body, "revoked", 0);
    }

    private Transport transport() { return transport; }

    private String base() { return "/sandboxes/" + Envd.enc(sandbox.getSandboxId()); }

    /** Refuses a port number outside 1..65535 (IllegalArgumentException). */
    public static void checkPort(int port) {
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be 1..65535, got " + port);
    }

    /**
     * One look at a sandbox's ports ({@code GET /sandboxes/{id}/ports}).
     *
     * @param sandboxId     the sandbox
     * @param defaultAccess the policy of ports that have none of their own (null if the server did not say)
     * @param listening     what listens, by port then address
     * @param exposed       ports that have been exposed, by port
     */
    public record PortsInfo(String sandboxId, Access defaultAccess, List<ListeningPort> listening,
                            List<ExposedPort> exposed) {
        public PortsInfo {
            Objects.requireNonNull(listening, "listening");
            Objects.requireNonNull(exposed, "exposed");
        }
    }
}
