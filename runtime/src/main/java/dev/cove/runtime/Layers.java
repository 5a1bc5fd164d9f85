package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.LayerInfo;
import dev.cove.runtime.layers.Layer;
import dev.cove.runtime.layers.LayerCapture;
import dev.cove.runtime.layers.LayerStore;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The node's layers as the runtime offers them: capturing a held sandbox's writable layer, listing, and deleting one
 * no held sandbox stacks.
 */
final class Layers {
    /**
     * What {@link Creation} writes into every upper layer for that sandbox alone (its name and addresses): never part
     * of a layer, so a sandbox made from one gets its own.
     */
    static final List<String> PER_SANDBOX_FILES = List.of("etc/hostname", "etc/hosts", "etc/resolv.conf");

    private final Node node;

    Layers(Node node) { this.node = node; }

    LayerInfo capture(String id, String key, String parent, String description) {
        if (!LayerStore.validKey(key))
            throw CoveException.badRequest("invalid layer key '" + key + "': 1 to 64 of a-z, 0-9, '-', '_'");
        ReentrantLock lock = node.lockFor(id);
        lock.lock();
        try {
            HeldSandbox h = node.held.get(id);
            if (h == null) throw CoveException.notFound("sandbox_not_found", "sandbox '" + id + "' not found");
            Layer layer = LayerCapture.capture(node.layers, key, parent, description, Path.of(h.journal.upperDir()),
                    h.journal.uidBase(), PER_SANDBOX_FILES);
            return layer.info();
        } catch (IOException e) {
            throw new CoveException(500, "layer_capture_failed",
                    "could not capture sandbox '" + id + "' as layer '" + key + "': " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    LayerInfo get(String key) {
        if (!LayerStore.validKey(key)) return null;
        Layer l = node.layers.get(key);
        return l == null ? null : l.info();
    }

    List<LayerInfo> list() { return node.layers.list().stream().map(Layer::info).toList(); }

    void delete(String key) {
        if (!LayerStore.validKey(key)) throw CoveException.badRequest("invalid layer key '" + key + "'");
        node.layersInUse.writeLock().lock();
        try {
            Layer l = node.layers.get(key);
            if (l == null) return;
            String root = l.root().toString();
            for (HeldSandbox h : node.held.values())
                if (h.journal.layers().contains(root))
                    throw new CoveException(409, "layer_in_use", "layer '" + key + "' is in the root of sandbox '"
                            + h.journal.id() + "'; kill it first");
            node.layers.delete(key);
        } catch (IOException e) {
            throw new CoveException(500, "layer_delete_failed", "could not delete layer '" + key + "': " + e.getMessage(), e);
        } finally {
            node.layersInUse.writeLock().unlock();
        }
    }
}
