package dev.cove.core.runtime;

/**
 * An immutable layer of file system changes the node keeps: a build step's result or a sandbox's captured writable
 * layer. Sandboxes name layers (bottom to top) in {@link SandboxSpec#layers()} to see them over their template.
 *
 * @param key             the layer's name, chosen by whoever made it (a hash of what it was made from)
 * @param parent          the key of the layer it was made on top of, or null (on a template's base)
 * @param description     what made it, in words (a step's command, a snapshot's sandbox)
 * @param sizeBytes       bytes its files take on the node's disk
 * @param createdAtMillis when it was put in place
 */
public record LayerInfo(String key, String parent, String description, long sizeBytes, long createdAtMillis) {
}
