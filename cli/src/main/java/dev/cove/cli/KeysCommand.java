package dev.cove.cli;

import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.CoveException;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.SandboxQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.util.concurrent.Callable;

@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Show which API key the CLI uses, where it comes from, and whether the server accepts it. "
                + "The server has one key (COVE_API_KEY at start, else <data dir>/api-key).",
        footer = {"%nExamples:", "  cove keys", "  export COVE_API_KEY=$(cove keys --reveal --json | jq -r .key)"})
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
}
