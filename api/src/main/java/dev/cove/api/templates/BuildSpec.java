package dev.cove.api.templates;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.http.JsonBody;
import dev.cove.core.CoveException;

import java.util.ArrayList;
import java.util.List;

/**
 * The body of {@code POST /v2/templates/{id}/builds/{buildID}} (E2B's {@code TemplateBuildStartV2}): where the build
 * starts ({@code fromImage} or {@code fromTemplate}), its steps in the builder's order, the start and ready commands,
 * and {@code force} (E2B's {@code skipCache} for the whole build).
 */
record BuildSpec(String fromImage, String fromTemplate, String startCmd, String readyCmd, boolean force,
                 List<Step> steps) {

    /**
     * One builder call: {@code RUN [command, user?]}, {@code COPY [src, dest, user, mode]} with the hash of its files,
     * {@code ENV [k, v, …]}, {@code WORKDIR [dir]}, {@code USER [name]}. {@code number} is its place counting the
     * {@code from…} call as 0, which is how the SDK points a failing step at the line that added it.
     */
    record Step(int number, String type, List<String> args, String filesHash, boolean force) {
        String arg(int i) { return i < args.size() ? args.get(i) : ""; }

        /** The step as the log shows it, e.g. {@code RUN apt-get update}. */
        String describe() {
            return switch (type) {
                case "ENV" -> {
                    StringBuilder b = new StringBuilder("ENV");
                    for (int i = 0; i + 1 < args.size(); i += 2)
                        b.append(' ').append(args.get(i)).append('=').append(args.get(i + 1));
                    yield b.toString();
                }
                case "COPY" -> "COPY " + arg(0) + " " + arg(1);
                case "RUN" -> "RUN " + arg(0);
                default -> type + " " + String.join(" ", args);
            };
        }
    }

    static BuildSpec parse(JsonBody body) {
        String fromImage = body.string("fromImage");
        String fromTemplate = body.string("fromTemplate");
        if ((fromImage == null || fromImage.isBlank()) == (fromTemplate == null || fromTemplate.isBlank()))
            throw CoveException.badRequest("Exactly one of fromImage or fromTemplate must be given and non-empty");
        List<Step> steps = new ArrayList<>();
        JsonNode raw = body.raw("steps");
        if (raw != null) {
            if (!raw.isArray()) throw JsonBody.parseError("steps must be an array");
            int n = 0;
            for (JsonNode s : raw) {
                n++;
                if (!s.isObject() || !s.path("type").isTextual())
                    throw JsonBody.parseError("steps[" + (n - 1) + "] must be an object with a string type");
                List<String> args = new ArrayList<>();
                for (JsonNode a : s.path("args")) {
                    if (!a.isTextual()) throw JsonBody.parseError("steps[" + (n - 1) + "].args must be strings");
                    args.add(a.asText());
                }
                String hash = s.path("filesHash").isTextual() ? s.path("filesHash").asText() : null;
                steps.add(new Step(n, s.path("type").asText(), args, hash, s.path("force").asBoolean(false)));
            }
        }
        Boolean force = body.bool("force");
        return new BuildSpec(blankToNull(fromImage), blankToNull(fromTemplate), blankToNull(body.string("startCmd")),
                blankToNull(body.string("readyCmd")), force != null && force, List.copyOf(steps));
    }

    private static String blankToNull(String s) { return s == null || s.isBlank() ? null : s; }
}
