package dev.cove.api.sandboxes;

import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import dev.cove.core.routing.SandboxRoute;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KillSandboxHandlerTest extends ApiTest {

    /** Kill frees the sandbox; killing again is a 404 body (the SDK's kill() returns false); GET is 404. */
    @Test
    void killTwice() {
        String id = api.create("{\"templateID\":\"base\"}").get("sandboxID").asText();
        assertThat(api.plane().directory().lookup(id).state()).isEqualTo(SandboxRoute.State.RUNNING);

        Resp first = api.delete("/sandboxes/" + id);
        assertThat(first.status()).isEqualTo(204);
        assertThat(first.body()).isEmpty();
        assertThat(runtime.get(id)).isNull();

        Resp second = api.delete("/sandboxes/" + id);
        assertThat(second.status()).isEqualTo(404);
        assertThat(second.json().get("code").asInt()).isEqualTo(404);
        assertThat(second.json().get("message").asText())
                .isEqualTo("Sandbox \"" + id + "\" doesn't exist or you don't have access to it");
        assertThat(api.get("/sandboxes/" + id).status()).isEqualTo(404);

        SandboxRoute route = api.plane().directory().lookup(id);
        assertThat(route.state()).isEqualTo(SandboxRoute.State.ENDED);
        assertThat(route.endReason()).isEqualTo("killed");
        assertThat(route.endedAt()).isNotNull();
        assertThat(route.netnsPath()).isNull();
    }

    @Test
    void killUnknownIs404() {
        Resp r = api.delete("/sandboxes/nonexistingsandbox");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("code").asInt()).isEqualTo(404);
        assertThat(api.plane().directory().lookup("nonexistingsandbox")).isNull();
    }

    @Test
    void killInvalidIdIs400() {
        Resp r = api.delete("/sandboxes/UPPER");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).isEqualTo("Invalid sandbox ID");
    }
}
