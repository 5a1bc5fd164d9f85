package dev.cove.api.sandboxes;

import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static dev.cove.api.sandboxes.ListSandboxesHandlerTest.ids;
import static dev.cove.api.sandboxes.ListSandboxesHandlerTest.sdkEncoded;
import static org.assertj.core.api.Assertions.assertThat;

class ListSandboxesV2HandlerTest extends ApiTest {

    /** E2B's paging test: limit 1 walks newest to oldest with X-Next-Token; X-Total-Running counts all pages. */
    @Test
    void pagesWithNextToken() {
        String tag = sdkEncoded("suite", "paging");
        String a = api.create("{\"templateID\":\"base\",\"metadata\":{\"suite\":\"paging\"}}").get("sandboxID").asText();
        String b = api.create("{\"templateID\":\"base\",\"metadata\":{\"suite\":\"paging\"}}").get("sandboxID").asText();
        String c = api.create("{\"templateID\":\"base\",\"metadata\":{\"suite\":\"paging\"}}").get("sandboxID").asText();
        api.create("{\"templateID\":\"base\",\"metadata\":{\"suite\":\"other\"}}");

        Resp p1 = api.get("/v2/sandboxes?limit=1&state=running&metadata=" + tag);
        assertThat(p1.status()).isEqualTo(200);
        assertThat(ids(p1.json())).containsExactly(c);
        assertThat(p1.header("X-Total-Running")).isEqualTo("3");
        String next = p1.header("X-Next-Token");
        assertThat(next).isNotBlank();

        Resp p2 = api.get("/v2/sandboxes?limit=1&state=running&metadata=" + tag + "&nextToken=" + next);
        assertThat(ids(p2.json())).containsExactly(b);
        Resp p3 = api.get("/v2/sandboxes?limit=1&state=running&metadata=" + tag + "&nextToken=" + p2.header("X-Next-Token"));
        assertThat(ids(p3.json())).containsExactly(a);
        assertThat(p3.header("X-Next-Token")).isNull();

        Resp asc = api.get("/v2/sandboxes?order=asc&limit=2&metadata=" + tag);
        assertThat(ids(asc.json())).containsExactly(a, b);
        Resp ascNext = api.get("/v2/sandboxes?order=asc&limit=2&metadata=" + tag + "&nextToken=" + asc.header("X-Next-Token"));
        assertThat(ids(ascNext.json())).containsExactly(c);

        // A token is tied to the order it was made for.
        assertThat(api.get("/v2/sandboxes?order=desc&nextToken=" + asc.header("X-Next-Token")).status()).isEqualTo(400);
    }

    /** Default states are running and paused; paused alone is empty while nothing is paused; form-style lists. */
    @Test
    void stateFilter() {
        String a = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        assertThat(ids(api.get("/v2/sandboxes").json())).containsExactly(a);
        assertThat(ids(api.get("/v2/sandboxes?state=running,paused").json())).containsExactly(a);
        assertThat(ids(api.get("/v2/sandboxes?state=running&state=paused").json())).containsExactly(a);
        Resp paused = api.get("/v2/sandboxes?state=paused");
        assertThat(paused.json()).isEmpty();
        assertThat(paused.header("X-Total-Running")).isNull();
        assertThat(ids(api.get("/v2/sandboxes?template=base").json())).containsExactly(a);
        assertThat(ids(api.get("/v2/sandboxes?template=other").json())).isEmpty();
        assertThat(ids(api.get("/v2/sandboxes?startedAfter=2000-01-01T00:00:00Z").json())).containsExactly(a);
        assertThat(ids(api.get("/v2/sandboxes?startedAfter=2999-01-01T00:00:00Z").json())).isEmpty();
        // "at or after": the sandbox's own startedAt (milliseconds, as the SDK sends it back) finds it
        Instant startedAt = Instant.parse(api.get("/sandboxes/" + a).json().get("startedAt").asText());
        assertThat(ids(api.get("/v2/sandboxes?startedAfter=" + startedAt).json())).containsExactly(a);
        assertThat(ids(api.get("/v2/sandboxes?startedAfter=" + startedAt.plusMillis(1)).json())).isEmpty();
    }

    /** Metadata keys and values with reserved characters survive the SDK's double encoding. */
    @Test
    void metadataWithReservedCharacters() {
        String a = api.create("{\"templateID\":\"base\",\"metadata\":{\"k&=\":\"a b&c=d%\"}}").get("sandboxID").asText();
        api.create("{\"templateID\":\"base\",\"metadata\":{\"k&=\":\"other\"}}");
        assertThat(ids(api.get("/v2/sandboxes?metadata=" + sdkEncoded("k&=", "a b&c=d%")).json())).containsExactly(a);
    }

    @Test
    void badQueries() {
        assertBad("/v2/sandboxes?state=killed", "Error when parsing request: invalid state 'killed'");
        assertBad("/v2/sandboxes?limit=0", "Error when parsing request: limit must be an integer between 1 and 100");
        assertBad("/v2/sandboxes?limit=101", "Error when parsing request: limit must be an integer between 1 and 100");
        assertBad("/v2/sandboxes?limit=ten", "Error when parsing request: limit must be an integer between 1 and 100");
        assertBad("/v2/sandboxes?order=up", "Error when parsing request: invalid order 'up'");
        assertBad("/v2/sandboxes?nextToken=garbage!", "Invalid next token");
        assertBad("/v2/sandboxes?nextToken=" + URLEncoder.encode("Zm9vX19iYXI", StandardCharsets.UTF_8), "Invalid next token");
        assertBad("/v2/sandboxes?startedAfter=yesterday", "Error when parsing request: startedAfter must be an RFC 3339 time");
        assertBad("/v2/sandboxes?metadata=" + URLEncoder.encode("a=b=c", StandardCharsets.UTF_8), "Error parsing metadata");
    }

    private static void assertBad(String path, String messageStart) {
        Resp r = api.get(path);
        assertThat(r.status()).as(path).isEqualTo(400);
        assertThat(r.json().get("code").asInt()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).as(path).startsWith(messageStart);
    }
}
