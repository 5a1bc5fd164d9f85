package dev.cove.api.lifecycle;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.SandboxRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which template a name or id means: a snapshot first, then a built template ({@link TemplateCatalog}), then one of
 * the node's recipes; and making a template's base ready on the node before a sandbox starts from it. Apart from
 * {@link SandboxService} because that order is one rule kept in one place, asked by creates and also by templates,
 * snapshots and E2B's alias check, which create nothing.
 */
public final class TemplateResolver {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateResolver.class);
    private static final Pattern TEMPLATE_NAME = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,127}$");

    private final SandboxRuntime runtime;
    private volatile TemplateCatalog catalog = TemplateCatalog.NONE;
    private volatile SnapshotCatalog snapshots = SnapshotCatalog.NONE;

    TemplateResolver(SandboxRuntime runtime) {
        this.runtime = runtime;
    }

    /** Where templates other than the node's recipes come from (built templates). */
    public void catalog(TemplateCatalog catalog) { this.catalog = catalog; }

    /** The built templates (snapshots ask before they delete a layer). */
    public TemplateCatalog catalog() { return catalog; }

    /** Where snapshots come from: a create's template is looked up there first. */
    public void snapshots(SnapshotCatalog catalog) { this.snapshots = catalog; }

    /** The snapshots (templates ask before they delete a layer, and to delete a snapshot by its id). */
    public SnapshotCatalog snapshots() { return snapshots; }

    /**
     * What a create naming {@code template} starts from: a snapshot's or a built template's image, or null for a
     * recipe of the node (built now if it must be); 400 for a name that is none, 404 for a template there is not.
     */
    TemplateCatalog.Image forCreate(String template) {
        Optional<TemplateCatalog.Image> snapshot = snapshots.forCreate(template);
        return snapshot.isPresent() ? snapshot.get() : checkTemplate(template);
    }

    /** A built template's image, or null for a recipe of the node (built now if it must be); 404 for neither. */
    private TemplateCatalog.Image checkTemplate(String template) {
        if (!TEMPLATE_NAME.matcher(template).matches()) {
            throw CoveException.badRequest("Invalid template reference: '" + template
                    + "' is not a template name (lower-case letters, digits, '.', '_' and '-')");
        }
        if (template.equals(SandboxRuntime.SCRATCH)) throw templateNotFound(template); // an image's empty floor
        TemplateCatalog.Image image = catalog.resolve(template).orElse(null);
        if (image != null) {
            ensure(image.base());
            return image;
        }
        if (!runtime.knowsTemplate(template)) throw templateNotFound(template);
        ensure(template);
        return null;
    }

    /** Makes the node's recipe {@code template} ready (built now if it must be); 404 when there is none. */
    void ensure(String template) {
        try {
            runtime.ensureTemplate(template, line -> LOG.info("Template {}: {}", template, line));
        } catch (CoveException e) {
            if (e.status() == 404) throw templateNotFound(template);
            throw e;
        }
    }

    /** Whether {@code template} names a template sandboxes can start from (E2B's alias check asks). */
    public boolean knowsTemplate(String template) {
        return templateIdOf(template) != null;
    }

    /** The id of the template or snapshot {@code template} names (a recipe's id is its name), or null. */
    public String templateIdOf(String template) {
        if (template == null) return null;
        var snapshot = snapshots.resolve(template);
        if (snapshot.isPresent()) return snapshot.get().templateId();
        if (!TEMPLATE_NAME.matcher(template).matches()) return null;
        var image = catalog.resolve(template);
        if (image.isPresent()) return image.get().templateId();
        return runtime.knowsTemplate(template) && !template.equals(SandboxRuntime.SCRATCH) ? template : null;
    }

    public static CoveException templateNotFound(String template) {
        return CoveException.notFound("template_not_found", "template '" + template + "' not found");
    }
}
