package dev.cove.cli;

import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.Sandbox;

import java.time.Duration;

/** Attaching to a sandbox by id for one command, without changing when it ends. */
final class Attach {
    private Attach() {}

    /**
     * Connect extends a sandbox's life to at least the given time from now and never shortens it; asking for one
     * second leaves a sandbox's end as it was (a CLI command must not keep sandboxes alive by looking at them).
     */
    static Sandbox to(String id, CoveConfig config) { return Sandbox.connect(id, Duration.ofSeconds(1), config); }
}
