package dev.cove.runtime.template;

import dev.cove.core.runtime.StartCommand;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The code-interpreter-v1 recipe: every server file reaches the image, and a changed file is a new template. */
class CodeInterpreterRecipeTest {

    @Test
    void everyFileOfTheServerIsInstalled() throws Exception {
        Path dir = resources();
        List<String> present;
        try (Stream<Path> files = Files.walk(dir)) {
            present = files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString())
                    .filter(name -> !name.contains("__pycache__")).sorted().toList();
        }
        assertThat(CodeInterpreterRecipe.FILES).as("FILES lists every resource (a jar cannot be listed)")
                .containsExactlyInAnyOrderElementsOf(present);
        String script = TemplateStore.RECIPES.get("code-interpreter-v1").setupScript();
        for (String file : present)
            assertThat(script).contains("base64 -d > '/opt/cove/code-interpreter/" + file + "'");
    }

    @Test
    void theServerStartsOnItsPortAtEveryCreate() {
        TemplateStore.Recipe recipe = TemplateStore.RECIPES.get("code-interpreter-v1");
        assertThat(recipe.start().command()).contains("/opt/cove/code-interpreter/server.py", "--port 49999");
        assertThat(recipe.start().readyCommand()).isEqualTo(StartCommand.waitForPort(49999));
        assertThat(recipe.start().user()).isEqualTo("user");
        assertThat(recipe.setupScript()).contains("python3-ipykernel", "python3-pandas", "python3-matplotlib", "nodejs");
    }

    @Test
    void theServersBytesAreInTheRecipeHash() {
        TemplateStore.Recipe recipe = TemplateStore.RECIPES.get("code-interpreter-v1");
        TemplateStore.Recipe changed = new TemplateStore.Recipe(recipe.name(), recipe.suite(), recipe.variant(),
                recipe.packages(), recipe.setupScript().replace("COVE_EOF\n", "COVE_EOF\n#\n"));
        assertThat(changed.hash()).isNotEqualTo(recipe.hash());
        assertThat(recipe.hash()).isNotEqualTo(TemplateStore.RECIPES.get("base").hash());
    }

    private static Path resources() throws URISyntaxException {
        return Path.of(CodeInterpreterRecipe.class.getResource("/dev/cove/runtime/template/code-interpreter/server.py")
                .toURI()).getParent();
    }
}
