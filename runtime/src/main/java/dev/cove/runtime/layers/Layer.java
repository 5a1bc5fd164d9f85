package dev.cove.runtime.layers;

import dev.cove.core.runtime.LayerInfo;

import java.nio.file.Path;

/**
 * A layer in place: its tree ({@code root}, read-only by convention: sandboxes share it) and what {@code layer.json}
 * says of it.
 */
public record Layer(String key, Path root, String parent, String description, long sizeBytes, long createdAtMillis) {

    public LayerInfo info() { return new LayerInfo(key, parent, description, sizeBytes, createdAtMillis); }
}
