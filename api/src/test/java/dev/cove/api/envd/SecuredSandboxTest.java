package dev.cove.api.envd;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.EnvdClient;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A sandbox created with {@code secure: true}: its envdAccessToken guards the agent API, E2B's rules exactly. */
class SecuredSandboxTest extends EnvdTestBase {
    private static final String UNAUTHORIZED =
            "unauthorized access, please provide a valid access token or method signing if supported";

    /** Written from E2B's description (§2.6), independently of the server's code. */
    private static String signature(String path, String op, String user, String token, Long exp) throws Exception {
        String raw = path + ":" + op + ":" + user + ":" + token + (exp == null ? "" : ":" + exp);
        String b64 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8)));
        return "v1_" + b64.replace("=", "");
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    @Test
    void tokenGuardsEveryCallButHealthAndSignedFiles() throws Exception {
        JsonNode created = api.create("{\"templateID\":\"base\",\"secure\":true,\"timeout\":300}");
        String id = created.get("sandboxID").asText();
        String token = created.get("envdAccessToken").asText();
        assertThat(token).isNotEmpty();
        EnvdClient anonymous = client(id);

        assertThat(anonymous.send(anonymous.request("/health", null).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(204);
        assertThatThrownBy(() -> anonymous.unary("process.Process/List", "{}", null))
                .isInstanceOfSatisfying(EnvdClient.ConnectError.class, e -> {
                    assertThat(e.httpStatus).isEqualTo(401);
                    assertThat(e.getMessage()).contains(UNAUTHORIZED);
                });
        HttpResponse<String> stream = anonymous.send(anonymous.request("/process.Process/Start", null)
                .header("Content-Type", "application/connect+json").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5]))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stream.statusCode()).isEqualTo(401);
        assertThat(EnvdClient.read(stream.body()).path("code").asInt()).isEqualTo(401);
        assertThat(EnvdClient.read(stream.body()).path("message").asText()).isEqualTo(UNAUTHORIZED);
        assertThat(anonymous.send(anonymous.request("/envs", null).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(401);
        EnvdClient wrong = client(id).header("X-Access-Token", token + "x");
        assertThatThrownBy(() -> wrong.unary("process.Process/List", "{}", null)).isInstanceOf(EnvdClient.ConnectError.class);

        EnvdClient owner = client(id).header("X-Access-Token", token);
        assertThat(owner.run("echo secured", null).out()).isEqualTo("secured\n");
        HttpResponse<String> up = owner.send(owner.request("/files?path=/home/user/s.txt", null)
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofString("signed!")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).isEqualTo(200);

        // files without token or signature: refused
        HttpResponse<String> plain = anonymous.send(anonymous.request("/files?path=/home/user/s.txt", null).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(401);

        // signed download URL (no user, no expiry), as the SDK's downloadUrl builds it
        String sig = signature("/home/user/s.txt", "read", "", token, null);
        HttpResponse<String> signed = anonymous.send(anonymous.request("/files?path=" + enc("/home/user/s.txt")
                + "&signature=" + enc(sig), null).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
        assertThat(signed.body()).isEqualTo("signed!");
        // with user and expiry
        long exp = Instant.now().getEpochSecond() + 60;
        String sig2 = signature("/home/user/s.txt", "read", "user", token, exp);
        assertThat(anonymous.send(anonymous.request("/files?path=" + enc("/home/user/s.txt") + "&username=user&signature=" + enc(sig2)
                + "&signature_expiration=" + exp, null).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        // a read signature does not allow writing
        HttpResponse<String> wrongOp = anonymous.send(anonymous.request("/files?path=" + enc("/home/user/s.txt")
                + "&signature=" + enc(sig), null).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongOp.statusCode()).isEqualTo(401);
        // a write signature does
        String wsig = signature("/home/user/w.txt", "write", "", token, null);
        assertThat(anonymous.send(anonymous.request("/files?path=" + enc("/home/user/w.txt") + "&signature=" + enc(wsig), null)
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofString("w")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        // expired, tampered, or for another path
        long past = Instant.now().getEpochSecond() - 10;
        String expired = signature("/home/user/s.txt", "read", "", token, past);
        assertThat(anonymous.send(anonymous.request("/files?path=" + enc("/home/user/s.txt") + "&signature=" + enc(expired)
                + "&signature_expiration=" + past, null).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        assertThat(anonymous.send(anonymous.request("/files?path=" + enc("/etc/passwd") + "&signature=" + enc(sig), null).GET()
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        assertThat(anonymous.send(anonymous.request("/files?path=" + enc("/home/user/s.txt") + "&signature=" + enc(sig + "x"), null)
                .GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        // once killed: E2B's 502
        api.plane().sandboxes().kill(id);
        HttpResponse<String> gone = owner.send(owner.request("/health", null).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(gone.statusCode()).isEqualTo(502);
        assertThat(EnvdClient.read(gone.body()).path("message").asText()).isEqualTo("The sandbox was not found");
        assertThatThrownBy(() -> owner.run("true", null)).isInstanceOfSatisfying(EnvdClient.ConnectError.class,
                e -> assertThat(e.httpStatus).isEqualTo(502));
    }
}
