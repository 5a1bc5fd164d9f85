package dev.cove.sdk;

import java.util.Locale;

/** A live sandbox's state as the API lists it. Ended sandboxes are not listed: they are gone. */
public enum SandboxState {
    RUNNING, PAUSED;

    /** The API's spelling: {@code running}, {@code paused}. */
    public String wire() { return name().toLowerCase(Locale.ROOT); }

    static SandboxState of(String wire) {
        return wire == null ? RUNNING : SandboxState.valueOf(wire.toUpperCase(Locale.ROOT));
    }
}
