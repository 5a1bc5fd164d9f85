package dev.cove.cli;

import dev.cove.sdk.templates.ReadyCmd;
import dev.cove.sdk.templates.Template;
import dev.cove.sdk.templates.TemplateInfo;
import dev.cove.sdk.templates.Templates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "template", mixinStandardHelpOptions = true,
        description = "Build, list and delete templates (sandboxes start from them: cove sandbox create --template NAME,"
                + " or Sandbox.create('NAME') with E2B's SDK).",
        subcommands = {TemplateCommand.Build.class, TemplateCommand.ListTemplates.class, TemplateCommand.Delete.class},
        footer = {"%nExamples:", "  cove template build my-app -f Dockerfile --ready-port 8080", "  cove template list",
                "  cove template delete my-app"})
final class TemplateCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(((CoveCli) spec.root().userObject()).out); }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Build a template from a Dockerfile subset (FROM, RUN, COPY, ENV, WORKDIR, USER, and CMD or"
                    + " ENTRYPOINT as its start command), printing the build's log. Unchanged steps come from the cache.",
            footer = {"%nFROM base (or an E2B/Debian image) is Cove's Debian base; FROM template:NAME builds on another"
                    + " template; any other FROM is pulled from its registry.",
                    "%nExamples:", "  cove template build my-app -f Dockerfile", "  cove template build web --ready-port 3000"})
    static final class Build extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "The template's name (what creates ask for).")
        String name;

        @Option(names = {"-f", "--file"}, defaultValue = "Dockerfile", description = "The Dockerfile (default: ./Dockerfile).")
        Path file;

        @Option(names = "--context", description = "Where COPY sources are read (default: the Dockerfile's directory).")
        Path context;

        @Option(names = "--ready-port", description = "The start command is ready once something listens on this port.")
        Integer readyPort;

        @Option(names = "--ready-cmd", description = "The start command is ready once this shell command exits 0.")
        String readyCmd;

        @Override
        public Integer call() throws IOException {
            String text = Files.readString(file);
            Path ctx = context != null ? context : file.toAbsolutePath().getParent();
            ReadyCmd ready = readyPort != null ? ReadyCmd.waitForPort(readyPort)
                    : readyCmd != null ? new ReadyCmd(readyCmd) : ReadyCmd.waitForTimeout(Duration.ofSeconds(1));
            Template t;
            try {
                t = Dockerfiles.parse(text, ctx, ready);
            } catch (IllegalArgumentException e) {
                err().println("cove: " + file + ": " + e.getMessage());
                return ExitCodes.USAGE;
            }
            long t0 = System.nanoTime();
            Templates.Built built = Templates.build(t, name, line -> { if (!json) out().println(line); }, config());
            if (json) {
                Output.json(out(), Output.object().put("templateID", built.templateId()).put("buildID", built.buildId())
                        .put("name", built.name()));
            } else {
                out().printf("template %s (%s) ready in %.1f s%n", built.name(), built.templateId(),
                        (System.nanoTime() - t0) / 1e9);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Templates built through the API.",
            footer = {"%nExamples:", "  cove template list", "  cove template list --json"})
    static final class ListTemplates extends Base implements Callable<Integer> {
        @Override
        public Integer call() {
            List<TemplateInfo> all = Templates.list(config());
            if (json) {
                var array = Output.JSON.createArrayNode();
                for (TemplateInfo t : all)
                    array.add(Output.object().put("templateID", t.templateId()).put("name", t.name())
                            .put("buildStatus", t.buildStatus()).put("buildCount", t.buildCount())
                            .put("layersBytes", t.layersBytes()).put("createdAt", Output.time(t.createdAt())));
                Output.json(out(), array);
                return ExitCodes.OK;
            }
            Output.Table table = new Output.Table("NAME", "ID", "STATUS", "BUILDS", "LAYERS", "CREATED");
            for (TemplateInfo t : all)
                table.row(t.name(), t.templateId(), t.buildStatus(), Integer.toString(t.buildCount()),
                        String.format("%.1f MiB", t.layersBytes() / 1048576.0), Output.time(t.createdAt()));
            table.print(out());
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a template and the layers no other template uses; refused while a sandbox runs from it.",
            footer = {"%nExamples:", "  cove template delete my-app"})
    static final class Delete extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            Templates.delete(name, config());
            if (json) Output.json(out(), Output.object().put("name", name).put("deleted", true));
            else out().println("deleted " + name);
            return ExitCodes.OK;
        }
    }
}
