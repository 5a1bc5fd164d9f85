package dev.cove.api.lifecycle;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serializes work on one sandbox (create, kill, timeout changes, expiry), so e.g. a kill and the reaper never
 * both destroy, and an extension cannot slip between the reaper's check and its kill. One lock per id (a slow
 * create never delays work on other sandboxes); entries go when the tombstone is purged. ReentrantLock parks
 * virtual threads without pinning their carriers.
 */
final class SandboxLocks {
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    ReentrantLock of(String id) {
        return locks.computeIfAbsent(id, k -> new ReentrantLock());
    }

    void forget(String id) { locks.remove(id); }
}
