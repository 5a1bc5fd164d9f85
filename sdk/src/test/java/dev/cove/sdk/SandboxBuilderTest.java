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

    @Test
    void defaultsAreBaseAndFiveMinutes() {
        assertThat(Sandbox.builder().body().toString()).isEqualTo("{\"templateID\":\"base\",\"timeout\":300}");
    }
}
