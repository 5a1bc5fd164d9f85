package dev.cove.api.sandboxes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ListSandboxesHandlerTest extends ApiTest {

    /** Running sandboxes as ListedSandbox, newest first; metadata filter encoded as the SDKs do; ended ones gone. */
    @Test
    void listsRunningWithMetadataFilter() {
        String a = api.create("{\"templateID\":\"base\",\"metadata\":{\"team\":\"red\",\"n\":\"1\"}}").get("sandboxID").asText();
        String b = api.create("{\"templateID\":\"base\",\"metadata\":{\"team\":\"blue\"}}").get("sandboxID").asText();
        String c = api.create("{\"templateID\":\"base\",\"metadata\":{\"team\":\"red\",\"n\":\"2\"}}").get("sandboxID").asText();

        Resp all = api.get("/sandboxes");
        assertThat(all.status()).isEqualTo(200);
        assertThat(ids(all.json())).containsExactly(c, b, a);
        JsonNode item = all.json().get(0);
        assertThat(item.get("state").asText()).isEqualTo("running");
        assertThat(item.has("startedAt") && item.has("endAt") && item.has("cpuCount") && item.has("memoryMB")
                && item.has("diskSizeMB") && item.has("envdVersion") && item.has("clientID")).isTrue();

        assertThat(ids(api.get("/sandboxes?metadata=" + sdkEncoded("team", "red")).json())).containsExactly(c, a);

        api.delete("/sandboxes/" + c);
        assertThat(ids(api.get("/sandboxes?metadata=" + sdkEncoded("team", "red")).json())).containsExactly(a);
        assertThat(ids(api.get("/sandboxes?metadata=" + sdkEncoded("team", "green")).json())).isEmpty();
    }

    @Test
    void malformedMetadataIs400() {
        Resp r = api.get("/sandboxes?metadata=" + URLEncoder.encode("novalue", StandardCharsets.UTF_8));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).startsWith("Error parsing metadata");
    }

    /** How the SDKs send the filter: k and v URL-encoded, joined with '=', the whole encoded again. */
    static String sdkEncoded(String key, String value) {
        String inner = URLEncoder.encode(key, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
        return URLEncoder.encode(inner, StandardCharsets.UTF_8);
    }

    static List<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(n -> ids.add(n.get("sandboxID").asText()));
        return ids;
    }
}
