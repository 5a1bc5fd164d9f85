package dev.cove.runtime.layers;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.Progress;
import dev.cove.runtime.fs.FileTrees;
import dev.cove.runtime.host.Cmd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An OCI image as a layer, with the field's tools: {@code skopeo} reads the image's digest and copies it from its
 * registry into an OCI layout, {@code umoci} unpacks it (as root: owners as the image has them, 0-based like a
 * template's base), and the root file system becomes the layer {@code i<digest>}, so an image is pulled once per
 * node. Registries on loopback are spoken to over plain HTTP, as Docker does; any other over TLS with the host's CAs.
 * The image's own files are data: nothing of it runs on the host.
 */
public final class ImageImport {
    private static final Duration INSPECT_TIMEOUT = Duration.ofMinutes(2), PULL_TIMEOUT = Duration.ofMinutes(30);

    private ImageImport() {}

    /** The layer of image {@code ref} ({@code [registry/]repository[:tag|@digest]}), pulled unless the node has it. */
    public static Layer importImage(LayerStore store, String ref, Progress progress) {
        if (ref == null || ref.isBlank() || ref.startsWith("-") || ref.chars().anyMatch(c -> c <= ' '))
            throw CoveException.badRequest("invalid image reference '" + ref + "'");
        String registry = registry(ref);
        List<String> tls = loopback(registry) ? List.of("--tls-verify=false") : List.of();
        String digest;
        try {
            List<String> inspect = new ArrayList<>(List.of("skopeo", "inspect", "--format", "{{.Digest}}"));
            inspect.addAll(tls);
            inspect.add("docker://" + ref);
            Cmd.Result r = Cmd.run(inspect, null, INSPECT_TIMEOUT);
            if (!r.ok()) throw unreachable(ref, registry, r.message());
            digest = r.stdout().strip();
        } catch (IOException e) {
            throw new CoveException(500, "image_pull_failed", "cannot run skopeo (install Debian's skopeo and umoci on"
                    + " the node): " + e.getMessage(), e);
        }
        if (!digest.matches("sha256:[0-9a-f]{64}"))
            throw new CoveException(502, "image_pull_failed", "registry '" + registry + "' gave no digest for '" + ref + "'");
        String key = "i" + digest.substring(7, 47);
        Layer have = store.get(key);
        if (have != null) {
            say(progress, "image " + ref + " (" + digest.substring(0, 19) + "…) is on this node already");
            return have;
        }
        try {
            return store.create(key, null, "image " + ref + "@" + digest,
                    root -> pull(store, ref, pinned(ref, digest), tls, root, progress));
        } catch (IOException e) {
            throw new CoveException(502, "image_pull_failed", "pulling image '" + ref + "' from registry '" + registry
                    + "' failed: " + e.getMessage(), e);
        }
    }

    /**
     * {@code ref} by the digest its registry named: the layer is keyed by that digest, so what is copied must be that
     * manifest (skopeo checks it and, through it, every blob), not whatever the tag names by the time of the copy. A
     * registry that answered the inspection with another image's manifest (a popular image's digest) would otherwise
     * fill that image's layer, which every later build from it on this node takes.
     */
    static String pinned(String ref, String digest) {
        int at = ref.indexOf('@');
        String name = at >= 0 ? ref.substring(0, at) : ref;
        int slash = name.lastIndexOf('/'), colon = name.lastIndexOf(':');
        if (colon > slash) name = name.substring(0, colon); // the tag, not a registry's port
        return name + "@" + digest;
    }

    private static void pull(LayerStore store, String ref, String pinned, List<String> tls, Path root,
                             Progress progress) throws IOException {
        Path work = store.dir().resolve(LayerStore.TMP + "pull-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectories(work);
        try {
            long t0 = System.nanoTime();
            say(progress, "pulling image " + ref);
            List<String> copy = new ArrayList<>(List.of("skopeo", "copy", "--quiet"));
            copy.addAll(tls.stream().map(t -> t.replace("--tls-verify", "--src-tls-verify")).toList());
            copy.addAll(List.of("docker://" + pinned, "oci:" + work.resolve("oci") + ":image"));
            Cmd.check(copy, null, PULL_TIMEOUT);
            say(progress, String.format("pulled in %.1f s; unpacking", (System.nanoTime() - t0) / 1e9));
            Cmd.check(List.of("umoci", "unpack", "--image", work.resolve("oci") + ":image", work.resolve("bundle").toString()),
                    null, PULL_TIMEOUT);
            Path rootfs = work.resolve("bundle").resolve("rootfs");
            try (Stream<Path> entries = Files.list(rootfs)) {
                for (Path e : entries.toList()) Files.move(e, root.resolve(e.getFileName()));
            }
            say(progress, String.format("image %s unpacked in %.1f s", ref, (System.nanoTime() - t0) / 1e9));
        } finally {
            FileTrees.deleteRecursively(work);
        }
    }

    /** The registry part of a reference: its first component when that names a host, else Docker Hub's. */
    static String registry(String ref) {
        int slash = ref.indexOf('/');
        if (slash < 0) return "docker.io";
        String first = ref.substring(0, slash);
        return first.contains(".") || first.contains(":") || first.equals("localhost") ? first : "docker.io";
    }

    private static boolean loopback(String registry) {
        String host = registry.startsWith("[") ? registry.substring(1, Math.max(1, registry.indexOf(']')))
                : registry.contains(":") ? registry.substring(0, registry.lastIndexOf(':')) : registry;
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    private static CoveException unreachable(String ref, String registry, String why) {
        return new CoveException(502, "image_pull_failed", "cannot read image '" + ref + "' from registry '" + registry
                + "': " + why);
    }

    private static void say(Progress progress, String line) {
        try {
            progress.step(line);
        } catch (RuntimeException ignored) {
            // a broken listener must not break the pull
        }
    }
}
