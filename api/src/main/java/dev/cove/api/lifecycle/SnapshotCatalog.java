package dev.cove.api.lifecycle;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Snapshots as templates: what {@link SandboxService#create} asks first, before the node's own templates, when a create
 * names a template. The snapshots package implements it; lifecycle never sees how snapshots are kept.
 */
@FunctionalInterface
public interface SnapshotCatalog {
    /** None: only the node's templates. */
    SnapshotCatalog NONE = ref -> Optional.empty();

    /** The snapshot {@code ref} names (its id or its name, E2B's {@code :default} tag allowed), or empty. */
    Optional<Image> resolve(String ref);

    /**
     * What a sandbox made from a snapshot (or a fork's capture) stands on.
     *
     * @param templateId the id the sandbox reports as {@code templateID}
     * @param alias      the name it reports as {@code alias}, or null
     * @param template   the node template at the bottom
     * @param layers     layer keys over it, bottom to top
     * @param env        the environment of every process (the create's own variables win)
     */
    record Image(String templateId, String alias, String template, List<String> layers, Map<String, String> env) {
        public Image {
            layers = List.copyOf(layers);
            env = env == null ? Map.of() : Map.copyOf(env);
        }
    }
}
