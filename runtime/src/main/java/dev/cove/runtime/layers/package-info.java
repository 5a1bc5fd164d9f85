/**
 * Layers: immutable directory trees stacked, read-only, between a template's base root file system and a sandbox's
 * own upper directory. {@link dev.cove.runtime.layers.LayerStore} keeps them under {@code <template-dir>/layers/<key>}
 * ({@code root/} and {@code layer.json}), in template id space (0-based host ids, as the base rootfs), keyed by a
 * caller-chosen key (a hash: a build step's parent, step and copied files; a snapshot's id), written to a temporary
 * directory and renamed into place, shared by every template and sandbox that names them.
 * {@link dev.cove.runtime.layers.LayerCapture} turns a directory (a sandbox's overlay upper) into a layer, shifting its
 * ids from the sandbox's range back to 0-based and keeping overlay whiteouts and opaque directories;
 * {@link dev.cove.runtime.layers.LayerStack} is a base plus layers, bottom to top, as an overlay's lower directories.
 * Must not know about sandboxes' other resources, nor write to a layer once it is in place.
 */
package dev.cove.runtime.layers;
