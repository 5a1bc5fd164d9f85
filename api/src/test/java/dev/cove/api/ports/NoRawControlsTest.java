package dev.cove.api.ports;

import dev.cove.core.text.ControlCharacters;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.EnvdClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Text a sandbox controls (a listener's argv, file names) reaches API clients without raw control characters: JSON
 * escapes C0 itself, DEL and the C1 controls (U+009B is a one-character CSI) are escaped too, and the value a JSON
 * reader gets is still exactly the sandbox's.
 */
class NoRawControlsTest extends ApiTest {
    /** ESC, BEL, a bare CR, DEL, the C1 CSI and NEL, and a non-ASCII letter that must survive as itself. */
    static final String HOSTILE = "x\u001b]0;owned\u0007\u001b[2J\r\u007f\u009b31m\u0085é";

    @Test
    void portsListingAndFileNamesCarryNoRawControlCharacters() throws Exception {
        JsonNode sbx = api.create("{\"templateID\":\"base\",\"timeout\":120}");
        String id = sbx.get("sandboxID").asText();
        EnvdClient agent = new EnvdClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(), "http://127.0.0.1:" + api.plane().port(), id)
                .header("X-Access-Token", sbx.get("envdAccessToken").asText());

        ObjectNode start = EnvdClient.JSON.createObjectNode();
        ObjectNode process = start.putObject("process");
        process.put("cmd", "python3");
        process.putArray("args").add("-c").add("import socket,sys,time\n"
                        + "s=socket.socket(); s.bind(('0.0.0.0', 8123)); s.listen(); time.sleep(300)")
                .add(HOSTILE);
        start.put("stdin", false);
        try (EnvdClient.Stream server = agent.stream("process.Process/Start", start, null, Map.of())) {
            JsonNode listener = await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (JsonNode l : api.get("/sandboxes/" + id + "/ports").json().path("listening"))
                    if (l.path("port").asInt() == 8123) return l;
                return null;
            }, l -> l != null);
            assertThat(listener.get("command").asText()).as("decoded, the argv is the sandbox's own").endsWith(HOSTILE);
            assertNoRawControls(rawGet("/sandboxes/" + id + "/ports"));
        }

        // a file name, listed through the agent API (its own JSON writer)
        assertThat(agent.run("touch \"$(printf 'f\\033[2J\\302\\233\\177')\"", null).exitCode()).isZero();
        byte[] listing = agent.send(agent.request("/filesystem.Filesystem/ListDir", null)
                .header("Content-Type", "application/json").header("Connect-Protocol-Version", "1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"/home/user\"}")).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        assertThat(EnvdClient.JSON.readTree(listing).findValuesAsText("name")).contains("f\u001b[2J\u009b\u007f");
        assertNoRawControls(listing);
    }

    private static byte[] rawGet(String path) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.plane().port() + path))
                .header("X-API-KEY", api.plane().apiKey()).GET().build();
        return HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofByteArray()).body();
    }

    /** No C0 byte, no DEL, and no C1 code point (U+0080-U+009F, UTF-8 C2 80 to C2 9F) on the wire. */
    static void assertNoRawControls(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        assertThat(text.chars().filter(c -> c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)))
                .as(text).isEmpty();
    }
}
