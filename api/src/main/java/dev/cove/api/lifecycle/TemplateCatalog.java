package dev.cove.api.lifecycle;

import dev.cove.core.runtime.StartCommand;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Templates beyond the node's own recipes: what {@link TemplateResolver} asks when a create names a template it does
 * not know as a recipe. The templates package implements it (built templates); lifecycle never sees how.
 */
@FunctionalInterface
public interface TemplateCatalog {
    /** None: only the node's recipes. */
    TemplateCatalog NONE = ref -> Optional.empty();

    /** The ready template {@code ref} names (its id, or its name), or empty. */
    Optional<Image> resolve(String ref);

    /** Whether a build of a template names layer {@code key} (snapshots ask before they delete one). */
    default boolean namesLayer(String key) { return false; }

    /**
     * What a sandbox of a built template is made of.
     *
     * @param templateId the id sandboxes report as {@code templateID}
     * @param alias      the template's name, reported as {@code alias}
     * @param base       the node's recipe at the bottom ({@code base})
     * @param layers     layer keys over it, bottom to top
     * @param env        variables of every process (the create's own win)
     * @param start      start command and ready check, or null
     */
    record Image(String templateId, String alias, String base, List<String> layers, Map<String, String> env,
                 StartCommand start) {
        public Image {
            layers = List.copyOf(layers);
            env = env == null ? Map.of() : Map.copyOf(env);
        }
    }
}
