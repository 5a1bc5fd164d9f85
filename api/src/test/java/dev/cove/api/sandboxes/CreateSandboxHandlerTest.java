package dev.cove.api.sandboxes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.ApiConfig;
import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import dev.cove.core.runtime.ExecResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class CreateSandboxHandlerTest extends ApiTest {

    /** Cove's portAccess: public by default means no token; a private port brings it back; bad values are 400s. */
    @Test
    void portAccessAtCreate() {
        JsonNode open = api.create("{\"templateID\":\"base\",\"portAccess\":{\"default\":\"public\"}}");
        assertThat(open.has("trafficAccessToken")).isFalse();
        JsonNode onePrivate = api.create("{\"templateID\":\"base\",\"portAccess\":{\"default\":\"public\","
                + "\"ports\":{\"8080\":\"link\"}}}");
        assertThat(onePrivate.get("trafficAccessToken").asText()).matches("[0-9a-f]{64}");
        JsonNode e2bPublic = api.create("{\"templateID\":\"base\",\"network\":{\"allowPublicTraffic\":true}}");
        assertThat(e2bPublic.has("trafficAccessToken")).as("E2B's explicit public wins over the default").isFalse();

        Resp badValue = api.post("/sandboxes", "{\"templateID\":\"base\",\"portAccess\":{\"default\":\"open\"}}");
        assertThat(badValue.status()).isEqualTo(400);
        assertThat(badValue.json().get("message").asText()).contains("portAccess.default", "\"open\"");
        Resp linkDefault = api.post("/sandboxes", "{\"templateID\":\"base\",\"portAccess\":{\"default\":\"link\"}}");
        assertThat(linkDefault.status()).isEqualTo(400);
        Resp badPort = api.post("/sandboxes", "{\"templateID\":\"base\",\"portAccess\":{\"ports\":{\"49983\":\"public\"}}}");
        assertThat(badPort.status()).isEqualTo(400);
        assertThat(badPort.json().get("message").asText()).contains("agent");
        Resp notAPort = api.post("/sandboxes", "{\"templateID\":\"base\",\"portAccess\":{\"ports\":{\"abc\":\"public\"}}}");
        assertThat(notAPort.status()).isEqualTo(400);
    }

    /**
     * v1 with only a template: E2B's Sandbox fields, 15 s timeout, and a sandbox really runs; secured all the same,
     * since under the shipped default (private) every agent needs its token.
     */
    @Test
    void v1CreateWithDefaults() {
        JsonNode sbx = api.create("{\"templateID\":\"base\"}");
        String id = sbx.get("sandboxID").asText();

        assertThat(id).matches("[a-z0-9]{20}");
        assertThat(sbx.get("templateID").asText()).isEqualTo("base");
        assertThat(sbx.get("alias").asText()).isEqualTo("base");
        assertThat(sbx.get("clientID").asText()).isEqualTo("6532622b");
        assertThat(sbx.get("envdVersion").asText()).isEqualTo(ApiConfig.ENVD_VERSION);
        assertThat(sbx.get("domain").asText()).isEqualTo("cove.test");
        assertThat(sbx.get("envdAccessToken").asText()).matches("[0-9a-f]{64}");
        // ports are private under the shipped default, so the token that opens them comes with the sandbox
        assertThat(sbx.get("trafficAccessToken").asText()).matches("[0-9a-f]{64}");
        assertThat(runtime.get(id)).isNotNull();

        JsonNode detail = api.get("/sandboxes/" + id).json();
        assertThat(lifetime(detail)).isEqualTo(Duration.ofSeconds(15));
        assertThat(detail.get("state").asText()).isEqualTo("running");
        assertThat(detail.get("cpuCount").asInt()).isEqualTo(2);
        assertThat(detail.get("memoryMB").asInt()).isEqualTo(512);
        assertThat(detail.get("diskSizeMB").asInt()).isEqualTo(10_240);
    }

    /** Cove's diskSizeMB: the sandbox's own file system has that size, and the details say so. */
    @Test
    void diskSizeAtCreate() {
        String id = api.create("{\"templateID\":\"base\",\"diskSizeMB\":64}").get("sandboxID").asText();
        assertThat(api.get("/sandboxes/" + id).json().get("diskSizeMB").asInt()).isEqualTo(64);
        assertThat(runtime.usage(id).diskTotal()).isBetween(56L << 20, 64L << 20);
    }

    /** v1 secure: an envd access token, returned again by GET. Metadata and env vars reach the sandbox. */
    @Test
    void v1SecureWithMetadataAndEnvVars() {
        JsonNode sbx = api.create("""
                {"templateID":"base","timeout":60,"secure":true,"allow_internet_access":true,
                 "metadata":{"owner":"alice"},"envVars":{"COVE_TEST_VAR":"hello from env"}}""");
        String id = sbx.get("sandboxID").asText();
        String token = sbx.get("envdAccessToken").asText();
        assertThat(token).matches("[0-9a-f]{64}");

        JsonNode detail = api.get("/sandboxes/" + id).json();
        assertThat(detail.get("envdAccessToken").asText()).isEqualTo(token);
        assertThat(detail.get("metadata").get("owner").asText()).isEqualTo("alice");
        assertThat(detail.get("allowInternetAccess").asBoolean()).isTrue();
        assertThat(lifetime(detail)).isEqualTo(Duration.ofSeconds(60));

        ExecResult env = runtime.exec(id, "user", List.of("printenv", "COVE_TEST_VAR"), Duration.ofSeconds(20));
        assertThat(env.exitCode()).isZero();
        assertThat(env.stdout().strip()).isEqualTo("hello from env");
    }

    /** v2: always secured, default timeout 300 s. */
    @Test
    void v2CreateIsSecureWith300sDefault() {
        JsonNode sbx = api.createV2("{\"templateID\":\"base\"}");
        assertThat(sbx.get("envdAccessToken").asText()).matches("[0-9a-f]{64}");
        JsonNode detail = api.get("/sandboxes/" + sbx.get("sandboxID").asText()).json();
        assertThat(lifetime(detail)).isEqualTo(Duration.ofSeconds(300));
        assertThat(detail.get("lifecycle").get("onTimeout").asText()).isEqualTo("kill");
        assertThat(detail.get("lifecycle").get("autoResume").asBoolean()).isFalse();
    }

    /** allowPublicTraffic=false (with secure) issues a traffic token; network settings are kept and shown. */
    @Test
    void privateTrafficGetsATrafficToken() {
        JsonNode sbx = api.create("""
                {"templateID":"base","secure":true,"network":{"allowPublicTraffic":false,
                 "allowOut":["1.1.1.1","example.com"],"denyOut":["0.0.0.0/0"],"maskRequestHost":"localhost:${PORT}"}}""");
        assertThat(sbx.get("trafficAccessToken").asText()).matches("[0-9a-f]{64}");
        assertThat(sbx.get("trafficAccessToken").asText()).isNotEqualTo(sbx.get("envdAccessToken").asText());
        JsonNode net = api.get("/sandboxes/" + sbx.get("sandboxID").asText()).json().get("network");
        assertThat(net.get("allowPublicTraffic").asBoolean()).isFalse();
        assertThat(net.get("allowOut")).hasSize(2);
        assertThat(net.get("denyOut").get(0).asText()).isEqualTo("0.0.0.0/0");
        assertThat(net.get("maskRequestHost").asText()).isEqualTo("localhost:${PORT}");
    }

    /** An allowOut range the node cannot honour is a 400 before anything is made: no sandbox, no tombstone. */
    @Test
    void aPrivateAllowOutTheOperatorDidNotOpenIsRefused() {
        int before = api.get("/v2/sandboxes?state=running,paused").json().size();
        Resp r = api.post("/sandboxes", """
                {"templateID":"base","network":{"allowOut":["192.168.1.0/24"],"denyOut":["0.0.0.0/0"]}}""");
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).contains("192.168.1.0/24").contains("--allow-private");
        assertThat(api.get("/v2/sandboxes?state=running,paused").json().size()).isEqualTo(before);
    }

    /** Unknown fields (newer clients) and empty forms of unsupported features are accepted. */
    @Test
    void unknownFieldsAndEmptyUnsupportedFieldsAreIgnored() {
        JsonNode sbx = api.create("""
                {"templateID":"base","someFutureField":{"x":1},"mcp":null,"volumeMounts":[],
                 "autoPause":false,"autoPauseMemory":true,"autoResume":{"enabled":false},
                 "network":{"rules":{},"egressProxy":null}}""");
        assertThat(sbx.get("sandboxID").asText()).isNotBlank();
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("{\"templateID\":", 400, "Error when parsing request: malformed JSON"),
                Arguments.of("", 400, "Error when parsing request: the request body is empty"),
                Arguments.of("[1,2]", 400, "Error when parsing request: the body must be a JSON object, got an array"),
                Arguments.of("{\"templateID\":\"base\"} trailing", 400, "Error when parsing request: malformed JSON"),
                Arguments.of("{\"templateID\":\"base\",\"templateID\":\"base\"}", 400, "Error when parsing request: malformed JSON: Duplicate field 'templateID'"),
                Arguments.of("{}", 400, "Error when parsing request: field 'templateID' is required"),
                Arguments.of("{\"templateID\":7}", 400, "Error when parsing request: field 'templateID' must be a string, got the number 7"),
                Arguments.of("{\"templateID\":\"nope\"}", 404, "template 'nope' not found"),
                Arguments.of("{\"templateID\":\"../etc\"}", 400, "Invalid template reference: '../etc' is not a template name"),
                Arguments.of("{\"templateID\":\"base\",\"timeout\":0}", 400, "Timeout must be greater than 0"),
                Arguments.of("{\"templateID\":\"base\",\"timeout\":-5}", 400, "Timeout must be greater than 0"),
                Arguments.of("{\"templateID\":\"base\",\"timeout\":86401}", 400, "Timeout cannot be greater than 24 hours"),
                Arguments.of("{\"templateID\":\"base\",\"timeout\":1000000000000}", 400, "Error when parsing request: field 'timeout' is out of range"),
                Arguments.of("{\"templateID\":\"base\",\"timeout\":\"15\"}", 400, "Error when parsing request: field 'timeout' must be an integer, got a string"),
                Arguments.of("{\"templateID\":\"base\",\"timeout\":1.5}", 400, "Error when parsing request: field 'timeout' must be an integer, got the number 1.5"),
                Arguments.of("{\"templateID\":\"base\",\"secure\":\"yes\"}", 400, "Error when parsing request: field 'secure' must be true or false"),
                Arguments.of("{\"templateID\":\"base\",\"metadata\":{\"a\":1}}", 400, "Error when parsing request: field 'metadata.a' must be a string"),
                Arguments.of("{\"templateID\":\"base\",\"envVars\":[\"A=1\"]}", 400, "Error when parsing request: field 'envVars' must be an object of string values"),
                Arguments.of("{\"templateID\":\"base\",\"mcp\":{\"x\":{}}}", 400, "The field 'mcp' (MCP gateway) is not supported by Cove yet"),
                Arguments.of("{\"templateID\":\"base\",\"volumeMounts\":[{\"name\":\"v\",\"path\":\"/data\"}]}", 400, "The field 'volumeMounts' (persistent volumes) is not supported by Cove yet"),
                Arguments.of("{\"templateID\":\"base\",\"iam\":{\"tokens\":{\"t\":{\"audience\":\"a\",\"tokenType\":\"JWT-SVID\"}}}}", 400, "The field 'iam'"),
                Arguments.of("{\"templateID\":\"base\",\"autoPauseMemory\":false}", 400, "autoPauseMemory: false needs autoPause: true"),
                Arguments.of("{\"templateID\":\"base\",\"autoPause\":true,\"autoPauseMemory\":false,\"autoResume\":{\"enabled\":true}}", 400,
                        "autoPauseMemory: false cannot be combined with autoResume"),
                Arguments.of("{\"templateID\":\"base\",\"autoResume\":{\"enabled\":\"yes\"}}", 400, "Error when parsing request: field 'autoResume.enabled' must be true or false"),
                Arguments.of("{\"templateID\":\"base\",\"network\":{\"egressProxy\":{\"address\":\"127.0.0.1:1080\"}}}", 400, "The field 'network.egressProxy'"),
                Arguments.of("{\"templateID\":\"base\",\"network\":{\"rules\":{\"example.com\":[]}}}", 400, "The field 'network.rules'"),
                // under the shipped default (private) an open agent is refused; E2B's rule for it is AgentTokenTest's
                Arguments.of("{\"templateID\":\"base\",\"secure\":false,\"network\":{\"allowPublicTraffic\":false}}", 400,
                        NewSandboxParser.AGENT_TOKEN_REQUIRED),
                Arguments.of("{\"templateID\":\"base\",\"network\":{\"denyOut\":[\"example.com\"]}}", 400, "invalid denied CIDR example.com"),
                Arguments.of("{\"templateID\":\"base\",\"network\":{\"denyOut\":[\"10.0.0.0/33\"]}}", 400, "invalid denied CIDR 10.0.0.0/33"),
                Arguments.of("{\"templateID\":\"base\",\"network\":{\"allowOut\":[\"999.1.1.1\"]}}", 400, "invalid allowed address 999.1.1.1"),
                Arguments.of("{\"templateID\":\"base\",\"network\":{\"allowOut\":[\"example.com\"]}}", 400, NewSandboxParser.DOMAINS_REQUIRE_BLOCK_ALL),
                Arguments.of("{\"templateID\":\"base\",\"network\":{\"maskRequestHost\":\"bad host/x\"}}", 400, "mask request host is not valid: bad host/x"),
                Arguments.of("{\"templateID\":\"base\",\"diskSizeMB\":1000000}", 400, "diskSizeMB must be between 16 and 10240 MiB on this node (--max-disk-mb)"),
                Arguments.of("{\"templateID\":\"base\",\"diskSizeMB\":0}", 400, "diskSizeMB must be between 1 and"),
                Arguments.of("{\"templateID\":\"base\",\"network\":[]}", 400, "Error when parsing request: field 'network' must be an object"));
    }

    /** Bad input gets a clear 4xx with E2B's body ({@code code} = status) and never creates anything. */
    @ParameterizedTest
    @MethodSource("refused")
    void refusesBadInput(String body, int status, String messageStart) {
        Resp r = api.post("/sandboxes", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.json().get("code").asInt()).isEqualTo(status);
        assertThat(r.json().get("message").asText()).startsWith(messageStart);
        assertThat(api.plane().sandboxes().listLive()).isEmpty();
        assertThat(runtime.list()).isEmpty();
    }

    /** A body over the payload limit is refused (413) before it is read, so nothing is created. */
    @Test
    void oversizedBodyIsRefused() throws Exception {
        String huge = "{\"templateID\":\"base\",\"envVars\":{\"BIG\":\"" + "x".repeat(5 * 1024 * 1024) + "\"}}";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + api.plane().port() + "/sandboxes"))
                .header("X-API-KEY", api.plane().apiKey()).header("Content-Type", "application/json")
                .expectContinue(true).POST(HttpRequest.BodyPublishers.ofString(huge)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
        assertThat(r.body()).isEqualTo("{\"code\":413,\"message\":\"Request body too large: at most 4 MiB are accepted\"}");
        assertThat(runtime.list()).isEmpty();
    }

    /** The same rules hold on v2 (here: unsupported feature and timeout over the maximum). */
    @Test
    void v2RefusesTheSame() {
        Resp mcp = api.post("/v2/sandboxes", "{\"templateID\":\"base\",\"mcp\":{\"x\":{}}}");
        assertThat(mcp.status()).isEqualTo(400);
        assertThat(mcp.json().get("message").asText()).contains("'mcp'");
        Resp tooLong = api.post("/v2/sandboxes", "{\"templateID\":\"base\",\"timeout\":100000}");
        assertThat(tooLong.json().get("message").asText()).isEqualTo("Timeout cannot be greater than 24 hours");
    }

    private static Duration lifetime(JsonNode detail) {
        return Duration.between(Instant.parse(detail.get("startedAt").asText()), Instant.parse(detail.get("endAt").asText()));
    }
}
