package dev.cove.sdk.code;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.internal.Json;

/**
 * A code context: one kernel with its own state, language and working directory (E2B's {@code Context}).
 *
 * @param id       the context's id, for {@link RunCodeOptions#context(CodeContext)}
 * @param language {@code python}, {@code javascript} or {@code bash}
 * @param cwd      the directory its code starts in
 */
public record CodeContext(String id, String language, String cwd) {
    static CodeContext of(JsonNode n) {
        return new CodeContext(Json.text(n, "id"), Json.text(n, "language"), Json.text(n, "cwd"));
    }
}
