package dev.cove.runtime.template;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DebootstrapProgressTest {

    @Test
    void turnsDebootstrapOutputIntoStagesWithCounters() {
        List<String> lines = new ArrayList<>();
        var p = new TemplateStore.DebootstrapProgress(lines::add, System.nanoTime());
        for (String l : List.of("I: Retrieving InRelease ", "I: Resolving dependencies of required packages...",
                "I: Retrieving adduser 3.134", "I: Validating adduser 3.134", "I: Retrieving bash 5.2.15-2+b13",
                "I: Extracting adduser...", "Unpacking required packages...", "I: Unpacking bash...",
                "I: Configuring bash...", "I: Base system installed successfully."))
            p.line(l);
        List<String> msgs = lines.stream().map(l -> l.substring(l.indexOf(']') + 2)).toList();
        assertThat(msgs).containsExactly("resolving: Retrieving InRelease",
                "resolving: Resolving dependencies of required packages...", "downloading 1: adduser 3.134",
                "downloading 2: bash 5.2.15-2+b13", "extracting 1/2: adduser", "Unpacking required packages...",
                "installing 1/2: bash", "configuring 1/2: bash", "Base system installed successfully.");
        assertThat(lines.getFirst()).matches("\\[\\s*\\d+\\.\\ds\\] .*");
    }

    @Test
    void recipeHashChangesWithTheRecipe() {
        TemplateStore.Recipe base = TemplateStore.RECIPES.get("base");
        assertThat(base.hash()).hasSize(12).isEqualTo(base.hash());
        var changed = new TemplateStore.Recipe(base.name(), base.suite(), base.variant(),
                List.of("bash"), base.setupScript());
        assertThat(changed.hash()).isNotEqualTo(base.hash());
    }
}
