package dev.cove.core.runtime;

import java.util.List;

/**
 * What a held sandbox's root file system stands on, below its own writable layer: the node template at the bottom and
 * the layers over it, bottom to top. Capturing the sandbox's writable layer on top of these gives everything a copy of
 * it needs (a snapshot).
 *
 * @param template the node template ({@link SandboxSpec#template()}) at the bottom
 * @param layers   keys of the layers over it ({@link SandboxSpec#layers()}), bottom to top
 */
public record SandboxRoot(String template, List<String> layers) {
    public SandboxRoot {
        layers = layers == null ? List.of() : List.copyOf(layers);
    }
}
