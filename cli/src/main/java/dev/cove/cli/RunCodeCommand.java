package dev.cove.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.code.Execution;
import dev.cove.sdk.code.Result;
import dev.cove.sdk.code.RunCodeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "run-code", mixinStandardHelpOptions = true,
        description = {"Run code in a code-interpreter sandbox's kernel (template code-interpreter-v1), streaming what "
                + "it prints; the value of its last expression follows. State stays between runs.",
                "Charts and images are listed by format; --save-images writes PNG and JPEG results to files."},
        footer = {"%nExamples:", "  cove sandbox create code-interpreter-v1", "  cove run-code <id> 'x = 6 * 7'",
                "  cove run-code <id> 'x'                                   # prints 42",
                "  cove run-code <id> --language bash 'ls /home/user'",
                "  cove run-code <id> --file analysis.py --save-images ./out",
                "  echo 'console.log(1 + 1)' | cove run-code <id> -l js -",
                "%nExit code: 0 when the code ran to its end, 1 when it raised an error (its traceback goes to stderr), "
                        + "5 when --timeout passed (the kernel is interrupted, its state kept)."})
final class RunCodeCommand extends Base implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SANDBOX_ID")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "CODE", description = "The code; - reads it from stdin.")
    String code;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the code from this file.")
    Path file;

    @Option(names = {"-l", "--language"}, description = "python (default), javascript (js) or bash.")
    String language;

    @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Environment variable for this run only (repeatable).")
    Map<String, String> env = new LinkedHashMap<>();

    @Option(names = "--timeout", defaultValue = "60s", converter = Durations.class,
            description = "Interrupt the code after this long (default: ${DEFAULT-VALUE}; 0: no limit).")
    Duration timeout;

    @Option(names = "--save-images", paramLabel = "DIR", description = "Write PNG and JPEG results to DIR/result-<n>.<ext>.")
    Path saveImages;

    @Override
    public Integer call() throws IOException {
        String source = source();
        Sandbox sbx = Attach.to(id, config());
        RunCodeOptions opts = new RunCodeOptions().envs(env).timeout(timeout);
        if (language != null) opts.language(language);
        if (!json) {
            opts.onStdout(m -> { out().print(m.line()); out().flush(); });
            opts.onStderr(m -> { err().print(m.line()); err().flush(); });
        }
        Execution x = sbx.runCode(source, opts);
        if (saveImages != null) Files.createDirectories(saveImages);
        ArrayNode results = Output.JSON.createArrayNode();
        int n = 0;
        for (Result r : x.results()) {
            n++;
            String saved = save(r, n);
            if (json) {
                ObjectNode o = (ObjectNode) r.raw().deepCopy();
                if (saved != null) o.put("savedTo", saved);
                results.add(o);
            } else if (r.isMainResult() && r.text() != null) {
                out().println(ControlCharacters.visible(r.text()));
            } else {
                String chart = r.chart() != null ? " (" + r.chart().type() + " chart)" : "";
                out().println("[result " + n + ": " + String.join(", ", r.formats()) + chart
                        + (saved != null ? ", saved to " + saved : "") + "]");
            }
        }
        if (json) {
            ObjectNode o = Output.object().put("sandboxID", id);
            o.set("results", results);
            o.set("stdout", Output.JSON.valueToTree(x.stdout()));
            o.set("stderr", Output.JSON.valueToTree(x.stderr()));
            o.set("error", x.error() == null ? null : Output.JSON.valueToTree(x.error()));
            if (x.executionCount() != null) o.put("executionCount", x.executionCount());
            Output.json(out(), o);
        } else if (x.error() != null) {
            err().println(ControlCharacters.visible(x.error().traceback() != null && !x.error().traceback().isBlank()
                    ? x.error().traceback() : x.error().name() + ": " + x.error().value()));
        }
        return x.error() == null ? ExitCodes.OK : ExitCodes.ERROR;
    }

    private String source() throws IOException {
        if ((file == null) == (code == null)) {
            throw new ParameterException(spec.commandLine(), file == null
                    ? "give the code as an argument, - to read it from stdin, or --file FILE"
                    : "give the code as an argument or --file, not both");
        }
        if (file != null) return Files.readString(file, StandardCharsets.UTF_8);
        if (code.equals("-")) return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        return code;
    }

    /** Writes an image result to --save-images; returns the file's path, or null. */
    private String save(Result r, int n) throws IOException {
        if (saveImages == null) return null;
        String data = r.png() != null ? r.png() : r.jpeg();
        if (data == null) return null;
        Path target = saveImages.resolve("result-" + n + (r.png() != null ? ".png" : ".jpg"));
        Files.write(target, Base64.getMimeDecoder().decode(data));
        return target.toString();
    }
}
