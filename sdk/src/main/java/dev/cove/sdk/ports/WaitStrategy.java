package dev.cove.sdk.ports;

import dev.cove.sdk.Sandbox;
import dev.cove.sdk.errors.CoveTimeoutException;

import java.time.Duration;

/**
 * How to tell that a port inside a sandbox is ready (Testcontainers' shape). Get one from {@link Wait}.
 */
public interface WaitStrategy {
    /** Blocks until ready. @throws CoveTimeoutException when the startup timeout passes first */
    void waitUntilReady(Sandbox sandbox, int port);

    /** How long {@link #waitUntilReady} may take (default 60 s). */
    WaitStrategy withStartupTimeout(Duration timeout);
}
