package dev.cove.api.testing;

import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.runtime.OciRuntime;
import dev.cove.runtime.RuntimeConfig;

import java.nio.file.Path;

/**
 * The runtime the api tests drive: the real {@link OciRuntime}. Sandboxes, namespaces and veths carry the prefix
 * {@code covetest}; the address pools (10.202.0.0/16, fd63:6f78::/32) differ from the runtime module's tests and
 * from a server's defaults, so neither collides. Templates come from the shared cache
 * ({@code COVE_TEMPLATE_CACHE}, default {@code /var/cache/cove/templates}), built on first use.
 */
public final class TestRuntimes {
    /** Template every test creates sandboxes from. */
    public static final String TEMPLATE = "base";
    public static final String PREFIX = "covetest";
    public static final String POOL4 = "10.202.0.0/16";
    public static final String POOL6 = "fd63:6f78::/32";

    private TestRuntimes() {}

    /** A new runtime whose state lives in {@code dataDir} (a second one on the same dir re-adopts its sandboxes). */
    public static SandboxRuntime open(Path dataDir) {
        return new OciRuntime(RuntimeConfig.defaults(dataDir).withTemplateDir(templateCache())
                .withResourcePrefix(PREFIX).withPool(POOL4, POOL6));
    }

    static Path templateCache() {
        String env = System.getenv("COVE_TEMPLATE_CACHE");
        return Path.of(env == null || env.isBlank() ? "/var/cache/cove/templates" : env);
    }
}
