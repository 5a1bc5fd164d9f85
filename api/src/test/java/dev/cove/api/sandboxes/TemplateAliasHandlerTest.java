package dev.cove.api.sandboxes;

import dev.cove.api.testing.ApiTest;
import dev.cove.api.testing.Resp;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TemplateAliasHandlerTest extends ApiTest {

    /** Template.exists asks this: a template Cove starts is there (200), any other name is 404 in E2B's words. */
    @Test
    void knownTemplatesExistOthersAreNotFound() {
        Resp base = api.get("/templates/aliases/base");
        assertThat(base.status()).isEqualTo(200);
        assertThat(base.json().get("templateID").asText()).isEqualTo("base");
        assertThat(base.json().get("public").asBoolean()).isTrue();

        for (String unknown : new String[] {"no-such-template", "Not_A_Name"}) {
            Resp missing = api.get("/templates/aliases/" + unknown);
            assertThat(missing.status()).as(unknown).isEqualTo(404);
            assertThat(missing.json().get("code").asInt()).isEqualTo(404);
            assertThat(missing.json().get("message").asText()).isEqualTo("template '" + unknown + "' not found");
        }
        assertThat(api.call("GET", "/templates/aliases/base", null, Map.of()).status()).isEqualTo(401);
    }
}
