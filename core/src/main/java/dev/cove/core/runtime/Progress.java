package dev.cove.core.runtime;

/** Receives progress lines of long work (template builds, set-up), for a person watching. */
@FunctionalInterface
public interface Progress {
    void step(String line);

    Progress NONE = line -> {};
}
