package dev.cove.runtime.layers;

import dev.cove.runtime.host.Cmd;
import dev.cove.runtime.host.Linux;
import dev.cove.runtime.userns.IdmappedMounts;
import dev.cove.runtime.userns.UidRanges;
import dev.cove.runtime.userns.UserNamespaces;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Turns a directory (a sandbox's overlay upper) into a layer: its files, owners, modes, times, hard links, overlay
 * whiteouts (0/0 character devices) and opaque directories ({@code trusted.overlay.opaque}) are copied with GNU tar.
 * Other overlay bookkeeping ({@code trusted.overlay.origin}, {@code impure}) names the upper's own file system and
 * is left behind.
 *
 * <p>A sandbox in a user namespace owns its files as host ids {@code base + n}; a layer keeps {@code n}. tar reads
 * the upper through an idmapped mount by a namespace that maps the range back to 0-based
 * ({@link UserNamespaces#shiftingBack}), so the ids are shifted by the kernel, and nothing is chowned (a chown would
 * drop set-id bits and file capabilities). Ids outside the range (the overlay makes whiteouts as host root) read as
 * the overflow id; a whiteout's owner means nothing.
 */
public final class LayerCapture {
    /** Extended attributes a layer keeps: the overlay's opaque marker and the user's own. */
    private static final List<String> XATTRS = List.of("--xattrs", "--xattrs-include=trusted.overlay.opaque",
            "--xattrs-include=user.*");
    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    private LayerCapture() {}

    /**
     * Captures {@code source} as the layer {@code key} (or returns the layer already there).
     *
     * @param uidBase  the first host id of the range the source's files belong to; 0 when they are the host's
     * @param excluded paths relative to {@code source} to leave out (files the node wrote for one sandbox only)
     */
    public static Layer capture(LayerStore store, String key, String parent, String description, Path source,
                                long uidBase, List<String> excluded) throws IOException {
        if (!Files.isDirectory(source)) throw new IOException("nothing to capture: " + source + " is not a directory");
        return store.create(key, parent, description, root -> {
            if (uidBase == 0) {
                copy(source, root, excluded);
                return;
            }
            Path view = store.dir().resolve(LayerStore.TMP + key + "-view-" + UUID.randomUUID().toString().substring(0, 8));
            Files.createDirectories(view);
            try (UserNamespaces.Holder back = UserNamespaces.shiftingBack(UidRanges.rangeOf(uidBase))) {
                IdmappedMounts.mountReadOnly(source.toString(), view.toString(), back.usernsFd());
                try {
                    copy(view, root, excluded);
                } finally {
                    int errno = Linux.umount2(view.toString(), Linux.MNT_DETACH);
                    if (errno != 0) throw new IOException("cannot unmount the capture view " + view + " (errno " + errno + ")");
                }
            } finally {
                Files.deleteIfExists(view);
            }
        });
    }

    /** tar from {@code from} into {@code to}, keeping numeric owners, modes, sparse files and the kept xattrs. */
    private static void copy(Path from, Path to, List<String> excluded) throws IOException {
        List<String> create = new ArrayList<>(List.of("tar", "--create", "--file=-", "--directory=" + from,
                "--numeric-owner", "--sparse", "--one-file-system", "--anchored"));
        create.addAll(XATTRS);
        for (String e : excluded) create.add("--exclude=./" + e);
        create.add(".");
        List<String> extract = new ArrayList<>(List.of("tar", "--extract", "--file=-", "--directory=" + to,
                "--numeric-owner", "--same-owner", "--same-permissions"));
        extract.addAll(XATTRS);
        // "$@" holds both argument lists, split at "--split--": no path is ever parsed by the shell
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", """
                a=(); while [ "$1" != --split-- ]; do a+=("$1"); shift; done; shift
                "${a[@]}" | "$@"; s=("${PIPESTATUS[@]}")
                # tar -c exits 1 when a file changed while it read it: the copy is still whole
                [ "${s[0]}" -le 1 ] && [ "${s[1]}" -eq 0 ]
                """, "capture"));
        cmd.addAll(create);
        cmd.add("--split--");
        cmd.addAll(extract);
        Cmd.Result r = Cmd.run(cmd, null, TIMEOUT);
        if (!r.ok()) throw new IOException("copying " + from + " into a layer failed: " + r.message());
    }
}
