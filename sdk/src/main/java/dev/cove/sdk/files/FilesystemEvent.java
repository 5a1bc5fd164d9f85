package dev.cove.sdk.files;

/**
 * A change under a watched directory: {@code name} is the path relative to the watched directory; {@code entry} is
 * null unless the server included it.
 */
public record FilesystemEvent(String name, Type type, EntryInfo entry) {
    public enum Type {
        CREATE, WRITE, REMOVE, RENAME, CHMOD, UNKNOWN;

        static Type of(String wire) {
            if (wire == null || !wire.startsWith("EVENT_TYPE_")) return UNKNOWN;
            try {
                return valueOf(wire.substring("EVENT_TYPE_".length()));
            } catch (IllegalArgumentException e) {
                return UNKNOWN;
            }
        }
    }
}
