package dev.cove.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The create request carries E2B's field names exactly (snake_case where E2B has it) and Cove's resources. */
class SandboxBuilderTest {
    @Test
    void createBodyUsesE2bFieldNames() {
        ObjectNode body = Sandbox.builder().template("base").timeout(Duration.ofMillis(90_500))
                .metadata("app", "x").envVar("A", "1").cpuCount(2).memoryMB(512)
                .allowInternetAccess(false).allowPublicTraffic(false)
                .allowOut("10.0.0.0/8").denyOut("0.0.0.0/0").maskRequestHost("localhost:${PORT}")
                .body();
        assertThat(body.toString()).isEqualTo("{\"templateID\":\"base\",\"timeout\":91,\"metadata\":{\"app\":\"x\"},"
                + "\"envVars\":{\"A\":\"1\"},\"cpuCount\":2,\"memoryMB\":512,\"allow_internet_access\":false,"
                + "\"network\":{\"allowPublicTraffic\":false,\"allowOut\":[\"10.0.0.0/8\"],\"denyOut\":[\"0.0.0.0/0\"],"
                + "\"maskRequestHost\":\"localhost:${PORT}\"}}");
    }

    /** Cove's port policies: the sandbox's default and per-port policies, by port number as a string key. */
    @Test
    void portAccessGoesUnderPortAccess() {
        ObjectNode body = Sandbox.builder().portAccess(Access.PUBLIC).portAccess(3000, Access.PRIVATE)
                .portAccess(8080, Access.LINK).body();
        assertThat(body.get("portAccess").toString())
                .isEqualTo("{\"default\":\"public\",\"ports\":{\"3000\":\"private\",\"8080\":\"link\"}}");
        assertThat(Sandbox.builder().portAccess(3000, Access.PUBLIC).body().get("portAccess").toString())
                .isEqualTo("{\"ports\":{\"3000\":\"public\"}}");
    }

    @Test
    void defaultsAreBaseAndFiveMinutes() {
        assertThat(Sandbox.builder().body().toString()).isEqualTo("{\"templateID\":\"base\",\"timeout\":300}");
    }
}
