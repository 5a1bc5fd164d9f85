package dev.cove.api.store;

import java.util.Locale;

/** Lifecycle states of a sandbox row: {@code starting → running → (paused) → killed | expired}. */
public enum SandboxState {
    STARTING, RUNNING, PAUSED, KILLED, EXPIRED;

    /** The lower-case name used in the database and on the wire. */
    public String wire() { return name().toLowerCase(Locale.ROOT); }

    /** Running or paused: a sandbox the API still shows. */
    public boolean isLive() { return this == RUNNING || this == PAUSED; }

    /** Killed or expired: only a tombstone remains. */
    public boolean isEnded() { return this == KILLED || this == EXPIRED; }

    public static SandboxState fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
