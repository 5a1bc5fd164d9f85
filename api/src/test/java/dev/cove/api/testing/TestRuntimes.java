package dev.cove.api.testing;

import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.runtime.OciRuntime;
import dev.cove.runtime.RuntimeConfig;
import dev.cove.runtime.egress.EgressConfig;

import java.nio.file.Path;
import java.util.List;

/**
 * The runtime the api tests drive: the real {@link OciRuntime}. Sandboxes, namespaces and veths carry the prefix
 * {@code coveapi}; the prefix and the address pools (10.202.0.0/16, fd63:6f78::/32) differ from the runtime module's tests and
 * from a server's defaults, so neither collides. Templates come from the shared cache
 * ({@code COVE_TEMPLATE_CACHE}, default {@code /var/cache/cove/templates}), built on first use.
 */
public final class TestRuntimes {
    /** Template every test creates sandboxes from. */
    public static final String TEMPLATE = "base";
    public static final String PREFIX = "coveapi";
    public static final String POOL4 = "10.202.0.0/16";
    public static final String POOL6 = "fd63:6f78::/32";

    /**
     * Sandboxes of api tests reach nothing beyond the host: every address is an operator-denied range and the
     * resolver forwards to a closed loopback port (lookups fail at once instead of leaving the machine).
     */
    public static final EgressConfig OFFLINE = EgressConfig.DEFAULT.withDenyOut(List.of("0.0.0.0/0", "::/0"))
            .withDnsUpstreams(List.of("127.0.0.1:9"));

    private TestRuntimes() {}

    /** A new runtime whose state lives in {@code dataDir} (a second one on the same dir re-adopts its sandboxes). */
    public static SandboxRuntime open(Path dataDir) {
        return new OciRuntime(RuntimeConfig.defaults(dataDir).withTemplateDir(templateCache())
                .withResourcePrefix(PREFIX).withPool(POOL4, POOL6).withEgress(OFFLINE));
    }

    /** Like {@link #open(Path)} with its own address pools (for test classes that run beside others). */
    public static SandboxRuntime open(Path dataDir, String pool4, String pool6) {
        return new OciRuntime(RuntimeConfig.defaults(dataDir).withTemplateDir(templateCache())
                .withResourcePrefix(PREFIX).withPool(pool4, pool6).withEgress(OFFLINE));
    }

    /** Like {@link #open(Path, String, String)} with a prefix of its own too (a test class of another task's pools). */
    public static SandboxRuntime open(Path dataDir, String prefix, String pool4, String pool6) {
        return new OciRuntime(RuntimeConfig.defaults(dataDir).withTemplateDir(templateCache())
                .withResourcePrefix(prefix).withPool(pool4, pool6).withEgress(OFFLINE));
    }

    static Path templateCache() {
        String env = System.getenv("COVE_TEMPLATE_CACHE");
        return Path.of(env == null || env.isBlank() ? "/var/cache/cove/templates" : env);
    }
}
