package dev.cove.core.runtime;

/**
 * A change inside a watched directory.
 *
 * @param name path relative to the watched directory
 * @param type what happened
 */
public record FileEvent(String name, Type type) {
    public enum Type { CREATE, WRITE, REMOVE, RENAME, CHMOD }
}
