package dev.cove.cli;

import dev.cove.sdk.ApiKey;
import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.SandboxQuery;
import dev.cove.sdk.errors.CoveException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Show which API key the CLI uses, where it comes from, and whether the server accepts it; "
                + "list, create and revoke the server's API keys. The server's own key (COVE_API_KEY at start, else "
                + "<data dir>/api-key) is listed too but changed only there.",
        subcommands = {KeysCommand.ListKeys.class, KeysCommand.Create.class, KeysCommand.Revoke.class},
        footer = {"%nExamples:", "  cove keys", "  export COVE_API_KEY=$(cove keys --reveal --json | jq -r .key)",
                "  cove keys list", "  cove keys create ci-runner        # prints the new key once",
                "  cove keys revoke key_5f0c1a2b3c4d5e6f"})
final class KeysCommand extends Base implements Callable<Integer> {
    @Option(names = "--reveal", description = "Print the whole key (it is a secret).")
    boolean reveal;

    @Override
    public Integer call() {
        CoveCli root = root();
        CoveConfig config = config();
        String key = config.apiKey();
        String source = root.apiKey != null ? "--api-key"
                : present(root, "COVE_API_KEY") ? "COVE_API_KEY"
                : present(root, "E2B_API_KEY") ? "E2B_API_KEY"
                : key != null && Files.isReadable(root.dataDir().resolve("api-key")) ? root.dataDir().resolve("api-key").toString()
                : null;
        String problem = null;
        int code = ExitCodes.OK;
        if (key == null) {
            problem = "no API key: set COVE_API_KEY (`cove up` prints the key) or run where the server's data directory is readable";
            code = ExitCodes.AUTH;
        } else {
            try {
                Sandbox.list(SandboxQuery.builder().limit(1).build(), config).nextItems();
            } catch (CoveException e) {
                problem = e.getMessage();
                code = ExitCodes.of(e);
            }
        }
        String shown = key == null ? null : reveal ? key : mask(key);
        if (json) {
            Output.json(out(), Output.object().put("key", shown).put("source", source)
                    .put("apiUrl", config.apiUrl().toString()).put("valid", problem == null).put("error", problem));
        } else {
            Output.details(out(), new String[][]{
                    {"API key", shown}, {"From", source}, {"Server", config.apiUrl().toString()},
                    {"Accepted", problem == null ? "yes" : "no: " + problem}});
        }
        return code;
    }

    private static boolean present(CoveCli root, String name) {
        String v = root.env().get(name);
        return v != null && !v.isBlank();
    }

    static String mask(String key) {
        if (key.length() <= 10) return "…";
        return key.substring(0, 8) + "…" + key.substring(key.length() - 4);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The server's API keys (never their values).",
            footer = {"%nExamples:", "  cove keys list", "  cove keys list --json"})
    static final class ListKeys extends Base implements Callable<Integer> {
        @Override
        public Integer call() {
            List<ApiKey> keys = ApiKey.list(config());
            if (json) {
                var array = Output.JSON.createArrayNode();
                keys.forEach(k -> array.add(view(k)));
                Output.json(out(), array);
                return ExitCodes.OK;
            }
            Output.Table t = new Output.Table("ID", "NAME", "SOURCE", "KEY", "CREATED");
            for (ApiKey k : keys) t.row(k.id(), k.name(), k.source(), k.masked() == null ? "-" : k.masked(), Output.time(k.createdAt()));
            t.print(out());
            return ExitCodes.OK;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Make a new API key; it works at once. Its value is printed this once: keep it.",
            footer = {"%nExamples:", "  cove keys create ci-runner", "  KEY=$(cove keys create ci-runner --json | jq -r .key)"})
    static final class Create extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "What the key is for (shown in lists).")
        String name;

        @Override
        public Integer call() {
            ApiKey.Created made = ApiKey.create(name, config());
            if (json) Output.json(out(), view(made.apiKey()).put("key", made.key()));
            else out().println(made.key() + "    (" + made.apiKey().id() + ", \"" + made.apiKey().name()
                    + "\"; shown once: keep it)");
            return ExitCodes.OK;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke an API key made with 'cove keys create'; it is refused from the next request on.",
            footer = {"%nExamples:", "  cove keys revoke key_5f0c1a2b3c4d5e6f"})
    static final class Revoke extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "KEY_ID")
        String id;

        @Override
        public Integer call() {
            ApiKey.revoke(id, config());
            if (json) Output.json(out(), Output.object().put("id", id).put("revoked", true));
            else out().println("revoked " + id);
            return ExitCodes.OK;
        }
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode view(ApiKey k) {
        return Output.object().put("id", k.id()).put("name", k.name()).put("source", k.source())
                .put("masked", k.masked()).put("createdAt", Output.time(k.createdAt()));
    }
}
