package dev.cove.api.snapshots;

import dev.cove.core.CoveException;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * E2B's template naming rules as they apply to snapshots on Cove: a name is trimmed and lower-cased and must be
 * {@code [a-z0-9_-]}; E2B's {@code :tag} suffix is accepted when it is the default tag ({@code :default}). Cove has one
 * team, so no {@code namespace/} prefix, and keeps one version per name (taking a snapshot under a name again replaces
 * it), so no other tags.
 */
final class SnapshotNames {
    static final String DEFAULT_TAG = "default";
    private static final Pattern NAME = Pattern.compile("^[a-z0-9_-]{1,128}$");
    private static final Pattern TAG = Pattern.compile("^[a-z0-9_.-]+$");

    private SnapshotNames() {}

    /** The name to keep for a create's {@code name}; 400 saying which rule it breaks. */
    static String forCreate(String raw) {
        String name = raw.strip().toLowerCase(Locale.ROOT);
        int colon = name.indexOf(':');
        if (colon >= 0) {
            String tag = name.substring(colon + 1).strip();
            if (!TAG.matcher(tag).matches())
                throw CoveException.badRequest("Invalid name: invalid tag '" + tag + "' (a-z, 0-9, '.', '_', '-')");
            if (!tag.equals(DEFAULT_TAG))
                throw CoveException.badRequest("Invalid name: Cove keeps one version per snapshot name, so tag '" + tag
                        + "' is not supported; leave the tag out (or use ':" + DEFAULT_TAG + "')");
            name = name.substring(0, colon).strip();
        }
        if (name.contains("/"))
            throw CoveException.badRequest("Invalid name: Cove has no teams, so a snapshot name has no 'namespace/' "
                    + "prefix; give '" + name.substring(name.lastIndexOf('/') + 1) + "'");
        if (!NAME.matcher(name).matches())
            throw CoveException.badRequest("Invalid name: '" + raw.strip() + "' must be 1 to 128 of a-z, 0-9, '_' and '-'");
        return name;
    }

    /** An id or name as a lookup key: trimmed, lower-cased, {@code :default} dropped; null when it cannot be one. */
    static String forLookup(String raw) {
        if (raw == null) return null;
        String ref = raw.strip().toLowerCase(Locale.ROOT);
        if (ref.endsWith(":" + DEFAULT_TAG)) ref = ref.substring(0, ref.length() - DEFAULT_TAG.length() - 1);
        return NAME.matcher(ref).matches() ? ref : null;
    }
}
