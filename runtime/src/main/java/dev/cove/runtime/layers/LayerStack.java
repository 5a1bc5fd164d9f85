package dev.cove.runtime.layers;

import dev.cove.core.runtime.SandboxSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a sandbox's root is made of below its own upper directory: a template's base root file system and layers on
 * top of it, bottom to top. The overlay's {@code lowerdir} lists them top first; mount(2) takes at most a page of
 * options, which bounds how many layers one stack may have ({@link #MAX_LAYERS}).
 */
public record LayerStack(Path base, List<Layer> layers) {
    /** Far below what a page of mount options holds with Cove's paths ({@link SandboxSpec#MAX_LAYERS}). */
    public static final int MAX_LAYERS = SandboxSpec.MAX_LAYERS;

    public LayerStack {
        layers = List.copyOf(layers);
        if (layers.size() > MAX_LAYERS)
            throw new IllegalArgumentException("a sandbox root may have at most " + MAX_LAYERS + " layers, got "
                    + layers.size());
    }

    public static LayerStack of(Path base) { return new LayerStack(base, List.of()); }

    /** The host directories, bottom (the base) to top. */
    public List<Path> roots() {
        List<Path> all = new ArrayList<>(layers.size() + 1);
        all.add(base);
        for (Layer l : layers) all.add(l.root());
        return all;
    }

    public List<String> keys() { return layers.stream().map(Layer::key).toList(); }
}
