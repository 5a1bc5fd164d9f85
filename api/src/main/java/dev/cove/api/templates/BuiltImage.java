package dev.cove.api.templates;

import dev.cove.api.Json;
import dev.cove.api.lifecycle.TemplateCatalog;
import dev.cove.core.runtime.StartCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * What a ready build made, kept as JSON in its row: the node's recipe at the bottom, the layers over it (keys, bottom
 * to top), the variables, user and working directory the steps ended with, and the start and ready commands.
 */
record BuiltImage(String base, List<String> layers, Map<String, String> env, String user, String workdir,
                  String startCmd, String readyCmd) {
    BuiltImage {
        layers = layers == null ? List.of() : List.copyOf(layers);
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    String json() { return Json.string(this); }

    static BuiltImage parse(String json) {
        try {
            return Json.MAPPER.readValue(json, BuiltImage.class);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable image of a build", e);
        }
    }

    /** The start command sandboxes run, or null. */
    StartCommand start() {
        if (startCmd == null) return null;
        return new StartCommand(startCmd, readyCmd, user, workdir, Map.of(), null);
    }

    TemplateCatalog.Image image(String templateId, String alias) {
        return new TemplateCatalog.Image(templateId, alias, base, layers, env, start());
    }
}
