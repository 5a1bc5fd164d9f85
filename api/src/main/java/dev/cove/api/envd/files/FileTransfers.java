package dev.cove.api.envd.files;

import dev.cove.api.envd.AgentHandler;
import dev.cove.api.envd.AgentResponses;
import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.SandboxAccess;
import dev.cove.core.runtime.SandboxRuntime;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * E2B's {@code /files} endpoints ({@code GET}: download, {@code POST}: upload) and who may call them: without a token
 * anyone; with one, {@code X-Access-Token} or a URL signed with it (E2B's rules exactly, so the SDKs' signed URLs
 * work). The user comes from {@code ?username=}, else {@code Authorization: Basic}.
 */
public final class FileTransfers {
    private FileTransfers() {}

    /** A file transfer once its caller is allowed. */
    interface Transfer {
        void handle(EnvdCall call, ServerRequest req, ServerResponse res, Map<String, String> query) throws IOException;
    }

    public static void register(AgentRouter router, SandboxRuntime runtime) {
        router.route(Method.GET, "/files", AgentRouter.Access.OWN, allowed("read", new DownloadHandler(runtime)));
        router.route(Method.POST, "/files", AgentRouter.Access.OWN, allowed("write", new UploadHandler(runtime)));
    }

    private static AgentHandler allowed(String operation, Transfer transfer) {
        return (sandbox, req, res) -> {
            Map<String, String> query = query(req.query().rawValue());
            String user = EnvdCall.userOf(req, query.get("username"));
            String headerToken = req.headers().first(SandboxAccess.TOKEN_HEADER).orElse(null);
            String refusal = refusal(sandbox.token(), headerToken, query, operation);
            if (refusal != null) AgentResponses.error(res, 401, refusal);
            else {
                EnvdCall call = new EnvdCall(sandbox.sandboxId(), user, 0, 0);
                try {
                    transfer.handle(call, req, res, query);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /**
     * Why the caller may not transfer, in envd's words (the 401 says which check failed), or null when it may.
     * E2B's order: no token → allowed; X-Access-Token present → must match; else a signature over
     * {@code path:operation:username:token[:expiration]} must match and not be expired.
     */
    static String refusal(String token, String headerToken, Map<String, String> query, String operation) {
        if (token == null) return null;
        if (headerToken != null)
            return SandboxAccess.matches(headerToken, token) ? null : "access token present in header but does not match";
        String signature = query.get("signature");
        if (signature == null) return "missing signature query parameter";
        String exp = query.get("signature_expiration");
        String expected = sign(query.getOrDefault("path", ""), operation, query.getOrDefault("username", ""), token, exp);
        if (!SandboxAccess.matches(signature, expected)) return "invalid signature";
        if (exp != null) {
            try {
                if (Long.parseLong(exp) < Instant.now().getEpochSecond()) return "signature is already expired";
            } catch (NumberFormatException e) {
                return "invalid signature"; // not a time: it can only come from a signer that knew the token
            }
        }
        return null;
    }

    /** {@code v1_} + unpadded base64 of SHA-256 over {@code path:operation:username:token[:expiration]}. */
    public static String sign(String path, String operation, String username, String token, String expiration) {
        String raw = path + ":" + operation + ":" + username + ":" + token + (expiration == null ? "" : ":" + expiration);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8));
            return "v1_" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Decoded query parameters (first value wins). */
    static Map<String, String> query(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null || raw.isEmpty()) return m;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            m.putIfAbsent(k, v);
        }
        return m;
    }
}
