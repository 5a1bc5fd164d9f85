package dev.cove.api.sandboxes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import dev.cove.core.runtime.ExecResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * E2B's {@code PUT /sandboxes/{id}/network} and Cove's {@code GET /sandboxes/{id}/network/denials}. What the policy
 * does to traffic is the runtime's {@code EgressTest}; here: the wire (validation, replace-everything semantics,
 * errors) and that a denial reaches the API. The only packet sent goes to 169.254.169.254 and is refused on the
 * host before it leaves.
 */
class UpdateNetworkHandlerTest extends ApiTest {

    @Test
    void replacesThePolicyAndOmittedFieldsAreCleared() {
        JsonNode sbx = api.create("{\"templateID\":\"base\",\"allow_internet_access\":false,"
                + "\"network\":{\"maskRequestHost\":\"localhost:${PORT}\"}}");
        String id = sbx.get("sandboxID").asText();
        assertThat(api.get("/sandboxes/" + id).json().get("allowInternetAccess").asBoolean()).isFalse();

        Resp put = api.call("PUT", "/sandboxes/" + id + "/network",
                "{\"allowOut\":[\"example.com\",\"93.184.0.0/16\"],\"denyOut\":[\"0.0.0.0/0\"]}");
        assertThat(put.status()).as(put.toString()).isEqualTo(204);
        JsonNode d = api.get("/sandboxes/" + id).json();
        assertThat(d.get("allowInternetAccess") == null || d.get("allowInternetAccess").isNull()).isTrue();
        assertThat(d.get("network").get("allowOut").toString()).contains("example.com", "93.184.0.0/16");
        assertThat(d.get("network").get("denyOut").toString()).contains("0.0.0.0/0");
        assertThat(d.get("network").get("maskRequestHost").asText()).isEqualTo("localhost:${PORT}"); // port access kept

        assertThat(api.call("PUT", "/sandboxes/" + id + "/network", "{}").status()).isEqualTo(204);
        JsonNode cleared = api.get("/sandboxes/" + id).json().get("network");
        assertThat(cleared.get("allowOut") == null || cleared.get("allowOut").isNull()).isTrue();
    }

    @Test
    void validatesAsE2bDoes() {
        String id = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        Resp noBlockAll = api.call("PUT", "/sandboxes/" + id + "/network", "{\"allowOut\":[\"example.com\"]}");
        assertThat(noBlockAll.status()).isEqualTo(400);
        assertThat(noBlockAll.json().get("message").asText()).isEqualTo(NewSandboxParser.DOMAINS_REQUIRE_BLOCK_ALL);
        Resp badDeny = api.call("PUT", "/sandboxes/" + id + "/network", "{\"denyOut\":[\"example.com\"]}");
        assertThat(badDeny.status()).isEqualTo(400);
        assertThat(badDeny.json().get("message").asText()).isEqualTo("invalid denied CIDR example.com");
        // a private range the operator has not opened (cove server --allow-private): refused, saying how to open it
        Resp lan = api.call("PUT", "/sandboxes/" + id + "/network", "{\"allowOut\":[\"10.9.0.0/16\"]}");
        assertThat(lan.status()).isEqualTo(400);
        assertThat(lan.json().get("message").asText()).contains("10.9.0.0/16").contains("--allow-private");
        Resp proxy = api.call("PUT", "/sandboxes/" + id + "/network", "{\"egressProxy\":{\"address\":\"h:1\"}}");
        assertThat(proxy.status()).isEqualTo(400);
        assertThat(api.call("PUT", "/sandboxes/nosuchsandbox/network", "{}").status()).isEqualTo(404);
        assertThat(api.call("PUT", "/sandboxes/" + id + "/network", "{}", Map.of()).status()).isEqualTo(401);
    }

    @Test
    void denialsAreReadableThroughTheApi() {
        String id = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        JsonNode empty = api.get("/sandboxes/" + id + "/network/denials").json();
        assertThat(empty.get("total").asLong()).isZero();
        ExecResult r = runtime.exec(id, "root", List.of("python3", "-c",
                "import socket\ntry:\n socket.create_connection(('169.254.169.254', 80), timeout=2)\n print('open')\n"
                        + "except OSError as e:\n print(type(e).__name__)"), Duration.ofSeconds(20));
        assertThat(r.stdout().strip()).isEqualTo("ConnectionRefusedError");
        await().atMost(Duration.ofSeconds(3)).until(
                () -> api.get("/sandboxes/" + id + "/network/denials").json().get("total").asLong() > 0);
        JsonNode denial = api.get("/sandboxes/" + id + "/network/denials").json().get("denials").get(0);
        assertThat(denial.get("destination").asText()).isEqualTo("169.254.169.254");
        assertThat(denial.get("port").asInt()).isEqualTo(80);
        assertThat(denial.get("rule").asText()).isEqualTo("link-local");
        assertThat(denial.get("at").asText()).isNotEmpty();
        assertThat(api.get("/sandboxes/nosuchsandbox/network/denials").status()).isEqualTo(404);
    }
}
