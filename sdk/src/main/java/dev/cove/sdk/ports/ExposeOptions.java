package dev.cove.sdk.ports;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.Access;
import dev.cove.sdk.CommandHandle;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.internal.Json;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link Sandbox#expose(int, ExposeOptions)} opens a port. Every field is optional:
 * <pre>{@code
 * ExposedPort web = sbx.expose(3000, new ExposeOptions()
 *         .access(Access.PRIVATE)                        // default: the port's current policy
 *         .link(Duration.ofMinutes(10))                  // also create a share link that expires in 10 minutes
 *         .readiness(Wait.forHttp("/health").forStatusCode(200).withStartupTimeout(Duration.ofSeconds(30)))
 *         .process(server));                             // fail at once if this background command exits
 * }</pre>
 */
public final class ExposeOptions {
    private Access access;
    private Duration ttl;
    private boolean link;
    private Duration linkTtl;
    private Readiness readiness;
    private Duration timeout;
    private Integer pid;

    /** Who gets through (default: the port's current policy, see {@link Access}). */
    public ExposeOptions access(Access access) { this.access = access; return this; }

    /**
     * The exposure window: the URL stops working after this long ({@code 403 exposure_expired}); default (null):
     * as long as the sandbox lives. Never past the sandbox's end.
     */
    public ExposeOptions ttl(Duration ttl) { this.ttl = positive(ttl, "ttl"); return this; }

    /** Also create a share link that lives as long as the sandbox ({@link ExposedPort#link()}). */
    public ExposeOptions link() {
        this.link = true;
        this.linkTtl = null;
        return this;
    }

    /** Also create a share link that expires after {@code ttl} (null: as long as the sandbox lives). */
    public ExposeOptions link(Duration ttl) {
        this.link = true;
        this.linkTtl = positive(ttl, "link ttl");
        return this;
    }

    /** How the server decides the port is ready before it answers (default: {@link Readiness#tcp()}). */
    public ExposeOptions readiness(Readiness readiness) { this.readiness = readiness; return this; }

    /**
     * The server-side form of a {@link Wait} strategy ({@link Readiness#of(WaitStrategy)}), including its startup
     * timeout unless {@link #timeout(Duration)} sets one.
     */
    public ExposeOptions readiness(WaitStrategy strategy) {
        this.readiness = strategy == null ? null : Readiness.of(strategy);
        return this;
    }

    /** How long the server waits for readiness (default: the readiness's timeout, else the server's 30 s; max 300 s). */
    public ExposeOptions timeout(Duration timeout) { this.timeout = positive(timeout, "timeout"); return this; }

    /** The sandbox pid of the serving process: if it exits while expose waits, expose fails at once. */
    public ExposeOptions pid(int pid) {
        if (pid <= 0) throw new IllegalArgumentException("pid must be positive, got " + pid);
        this.pid = pid;
        return this;
    }

    /** The background command that serves the port ({@link #pid(int)} of its handle). */
    public ExposeOptions process(CommandHandle process) { return pid(Objects.requireNonNull(process, "process").getPid()); }

    /** How long the server may wait for readiness, or null for its default. */
    Duration effectiveTimeout() {
        if (timeout != null) return timeout;
        return readiness != null ? readiness.timeout() : null;
    }

    /** The body of {@code POST /sandboxes/{id}/ports/{port}/expose}. */
    ObjectNode body() {
        ObjectNode b = Json.object();
        if (access != null) b.put("access", access.wire());
        if (ttl != null) b.put("ttlSeconds", seconds(ttl));
        if (link) {
            ObjectNode l = b.putObject("link");
            if (linkTtl != null) l.put("ttlSeconds", seconds(linkTtl));
        }
        if (readiness != null) b.set("readiness", readiness.json());
        Duration t = effectiveTimeout();
        if (t != null) b.put("timeoutSeconds", seconds(t));
        if (pid != null) b.put("pid", pid);
        return b;
    }

    static long seconds(Duration d) { return d.getSeconds() + (d.getNano() > 0 ? 1 : 0); }

    static Duration positive(Duration d, String what) {
        if (d != null && (d.isNegative() || d.isZero())) throw new IllegalArgumentException(what + " must be positive: " + d);
        return d;
    }
}
