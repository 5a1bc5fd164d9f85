package dev.cove.api.envd;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * What an agent request needs of its sandbox, read once from the store and cached by the gate, so calls do not
 * read the database.
 *
 * @param sandboxId the sandbox
 * @param token     its {@code envdAccessToken}, null when the agent is open (E2B's {@code secure: false})
 * @param envVars   the sandbox's environment ({@code GET /envs})
 */
public record SandboxAccess(String sandboxId, String token, Map<String, String> envVars) {
    /** The agent's token header (E2B's). */
    public static final HeaderName TOKEN_HEADER = HeaderNames.create("X-Access-Token");

    /** Compares secrets in constant time. */
    public static boolean matches(String presented, String secret) {
        return MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8));
    }
}
