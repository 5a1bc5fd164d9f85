package dev.cove.runtime.layers;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.core.CoveException;
import dev.cove.runtime.fs.FileTrees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The node's layers, under {@code <template-dir>/layers}: {@code <key>/root} (the tree, owners 0-based as in a
 * template's base) and {@code <key>/layer.json} ({@link Meta}). A layer is made in {@code .tmp-<key>-<random>} and
 * renamed into place once complete, so a crash leaves either no layer or a whole one (and a temporary directory the
 * next {@link #sweep} removes); two makers of the same key race harmlessly: the first rename wins and the other's copy
 * is dropped. A layer in place is never written again.
 */
public final class LayerStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    static final String META = "layer.json", ROOT = "root", TMP = ".tmp-";

    /** What {@code layer.json} holds. */
    record Meta(String key, String parent, String description, long sizeBytes, long createdAtMillis) {}

    /** Fills a new layer's (empty, 0755, root-owned) {@code root} directory. */
    @FunctionalInterface
    public interface Filler {
        void fill(Path root) throws IOException;
    }

    private final Path dir;

    public LayerStore(Path templateDir) {
        this.dir = templateDir.resolve("layers");
    }

    public Path dir() { return dir; }

    /** True for a key that may name a layer (a directory name: lower case letters, digits, '-' and '_'). */
    public static boolean validKey(String key) { return key != null && KEY.matcher(key).matches(); }

    private static void checkKey(String key) {
        if (!validKey(key))
            throw CoveException.badRequest("invalid layer key '" + key + "': 1 to 64 of a-z, 0-9, '-', '_'");
    }

    /** The layer in place under {@code key}, or null. */
    public Layer get(String key) {
        checkKey(key);
        Path layerDir = dir.resolve(key);
        Path meta = layerDir.resolve(META);
        if (!Files.isRegularFile(meta)) return null;
        try {
            Meta m = JSON.readValue(meta.toFile(), Meta.class);
            return new Layer(key, layerDir.resolve(ROOT), m.parent(), m.description(), m.sizeBytes(), m.createdAtMillis());
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable " + meta, e);
        }
    }

    /** The layer under {@code key}; 404 {@code layer_not_found} when there is none. */
    public Layer require(String key) {
        Layer l = get(key);
        if (l == null) throw CoveException.notFound("layer_not_found", "layer '" + key + "' not found on this node");
        return l;
    }

    /** The base with the layers {@code keys} (bottom to top) on it; 404 for a key that names no layer. */
    public LayerStack stack(Path base, List<String> keys) {
        List<Layer> layers = new ArrayList<>(keys.size());
        for (String k : keys) layers.add(require(k));
        try {
            return new LayerStack(base, layers);
        } catch (IllegalArgumentException e) {
            throw CoveException.badRequest(e.getMessage());
        }
    }

    /** Every layer in place, oldest first. */
    public List<Layer> list() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(LayerStore::validKey).map(this::get)
                    .filter(l -> l != null).sorted(Comparator.comparingLong(Layer::createdAtMillis)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /**
     * Makes the layer {@code key} unless it is in place: {@code filler} writes its tree into a temporary directory,
     * which is then renamed into place. Returns the layer in place (another maker's when it won the race).
     */
    public Layer create(String key, String parent, String description, Filler filler) throws IOException {
        checkKey(key);
        if (parent != null) checkKey(parent);
        Layer existing = get(key);
        if (existing != null) return existing;
        Files.createDirectories(dir);
        Path tmp = dir.resolve(TMP + key + "-" + UUID.randomUUID().toString().substring(0, 8));
        Path root = tmp.resolve(ROOT);
        try {
            Files.createDirectories(root);
            filler.fill(root);
            Meta meta = new Meta(key, parent, description, bytesUnder(root), System.currentTimeMillis());
            JSON.writeValue(tmp.resolve(META).toFile(), meta);
            try {
                Files.move(tmp, dir.resolve(key), StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException raced) {
                Layer other = get(key);
                if (other == null) throw raced;
                FileTrees.deleteRecursively(tmp);
                return other;
            }
            return get(key);
        } catch (IOException | RuntimeException e) {
            try {
                FileTrees.deleteRecursively(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * Removes the layer {@code key} (no-op when it is not there). The caller makes sure no sandbox and no template
     * uses it: it is first renamed aside, so a reader never sees half a layer.
     */
    public void delete(String key) throws IOException {
        checkKey(key);
        Path layerDir = dir.resolve(key);
        if (!Files.exists(layerDir, LinkOption.NOFOLLOW_LINKS)) return;
        Path aside = dir.resolve(TMP + key + "-deleted-" + UUID.randomUUID().toString().substring(0, 8));
        Files.move(layerDir, aside, StandardCopyOption.ATOMIC_MOVE);
        FileTrees.deleteRecursively(aside);
    }

    /**
     * Removes what crashed makers and deleters left ({@code .tmp-*} older than a day: several nodes may share the
     * template directory, and another's maker may be at work on a younger one). Never deletes below a mount.
     */
    public void sweep() {
        if (!Files.isDirectory(dir)) return;
        long cutoff = System.currentTimeMillis() - Duration.ofDays(1).toMillis();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TMP)).toList())
                if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() < cutoff)
                    FileTrees.deleteRecursively(p);
        } catch (IOException e) {
            // retried at the next start; a leftover temporary directory costs disk, nothing else
        }
    }

    /** Bytes of the layers' files (apparent sizes, as {@code layer.json} recorded them). */
    public long diskUsage() {
        return list().stream().mapToLong(Layer::sizeBytes).sum();
    }

    static long bytesUnder(Path root) throws IOException {
        long[] total = {0};
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) total[0] += attrs.size();
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }
}
