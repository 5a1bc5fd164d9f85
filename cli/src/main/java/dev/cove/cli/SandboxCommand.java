package dev.cove.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.SandboxInfo;
import dev.cove.sdk.SandboxPaginator;
import dev.cove.sdk.SandboxQuery;
import dev.cove.sdk.SandboxState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "sandbox", aliases = "sandboxes", mixinStandardHelpOptions = true,
        description = "Create, list, inspect, extend and kill sandboxes.",
        subcommands = {SandboxCommand.Create.class, SandboxCommand.ListCmd.class, SandboxCommand.Info.class,
                SandboxCommand.Kill.class, SandboxCommand.Timeout.class})
final class SandboxCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(((CoveCli) spec.root().userObject()).out); }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a sandbox and print its id.",
            footer = {"%nExamples:", "  cove sandbox create", "  cove sandbox create -t base --timeout 1h -m app=demo -e DEBUG=1",
                    "  ID=$(cove sandbox create -q)", "  cove sandbox create --json | jq -r .sandboxID"})
    static final class Create extends Base implements Callable<Integer> {
        @Option(names = {"-t", "--template"}, defaultValue = "base", description = "Template (default: ${DEFAULT-VALUE}).")
        String template;

        @Option(names = "--timeout", defaultValue = "5m", converter = Durations.class,
                description = "How long it lives unless extended: 300, 90s, 5m, 1h (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(names = {"-m", "--metadata"}, paramLabel = "KEY=VALUE", description = "Metadata pair (repeatable).")
        Map<String, String> metadata = new LinkedHashMap<>();

        @Option(names = {"-e", "--env"}, paramLabel = "NAME=VALUE", description = "Environment variable of every process (repeatable).")
        Map<String, String> env = new LinkedHashMap<>();

        @Option(names = "--cpu", description = "CPUs (default: the server's).")
        Integer cpu;

        @Option(names = "--memory", paramLabel = "MB", description = "Memory limit in MiB (default: the server's).")
        Integer memoryMB;

        @Option(names = "--no-internet", description = "Block all outbound traffic.")
        boolean noInternet;

        @Option(names = {"-q", "--quiet"}, description = "Print only the sandbox id.")
        boolean quiet;

        @Override
        public Integer call() {
            Sandbox.Builder b = Sandbox.builder().config(config()).template(template).timeout(timeout)
                    .metadata(metadata).envVars(env);
            if (cpu != null) b.cpuCount(cpu);
            if (memoryMB != null) b.memoryMB(memoryMB);
            if (noInternet) b.allowInternetAccess(false);
            Sandbox sbx = b.create();
            if (quiet) {
                out().println(sbx.getSandboxId());
                return ExitCodes.OK;
            }
            SandboxInfo info = sbx.getInfo();
            if (json) {
                Output.json(out(), Output.sandbox(info));
            } else {
                Output.details(out(), new String[][]{
                        {"Sandbox", info.sandboxId()}, {"Template", info.templateId()},
                        {"CPU", Integer.toString(info.cpuCount())}, {"Memory", info.memoryMB() + " MiB"},
                        {"Ends", Output.time(info.endAt()) + " (in " + Output.endsIn(info.endAt()) + ")"},
                        {"Ports", "https://<port>-" + info.sandboxId() + "." + sbx.getDomain()},
                });
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List live sandboxes, newest first.",
            footer = {"%nExamples:", "  cove sandbox list", "  cove sandbox list -m app=demo --state running",
                    "  cove sandbox list --json | jq -r '.[].sandboxID'"})
    static final class ListCmd extends Base implements Callable<Integer> {
        @Option(names = {"-m", "--metadata"}, paramLabel = "KEY=VALUE", description = "Only sandboxes with this pair (repeatable).")
        Map<String, String> metadata = new LinkedHashMap<>();

        @Option(names = "--state", split = ",", description = "running, paused (default: both).")
        List<String> states = new ArrayList<>();

        @Option(names = "--limit", description = "At most this many (default: all).")
        Integer limit;

        @Override
        public Integer call() {
            SandboxQuery.Builder q = SandboxQuery.builder().metadata(metadata);
            for (String s : states) {
                try {
                    q.state(SandboxState.valueOf(s.strip().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--state takes running or paused, not '" + s + "'");
                }
            }
            if (limit != null) q.limit(Math.max(1, Math.min(100, limit)));
            SandboxPaginator pages = Sandbox.list(q.build(), config());
            List<SandboxInfo> all = new ArrayList<>();
            while (pages.hasNext() && (limit == null || all.size() < limit)) all.addAll(pages.nextItems());
            if (limit != null && all.size() > limit) all = all.subList(0, limit);
            if (json) {
                ArrayNode a = Output.JSON.createArrayNode();
                all.forEach(s -> a.add(Output.sandbox(s)));
                Output.json(out(), a);
                return ExitCodes.OK;
            }
            if (all.isEmpty()) {
                err().println("No sandboxes" + (metadata.isEmpty() && states.isEmpty() ? "." : " match."));
                return ExitCodes.OK;
            }
            Output.Table t = new Output.Table("SANDBOX ID", "TEMPLATE", "STATE", "CPU", "MEMORY", "STARTED", "ENDS IN", "METADATA");
            for (SandboxInfo s : all) {
                t.row(s.sandboxId(), s.alias() != null ? s.alias() : s.templateId(), s.state().wire(), s.cpuCount(),
                        s.memoryMB() + " MiB", Output.time(s.startedAt()), Output.endsIn(s.endAt()), Output.metadata(s));
            }
            t.print(out());
            return ExitCodes.OK;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show one sandbox.",
            footer = {"%nExamples:", "  cove sandbox info <id>", "  cove sandbox info <id> --json | jq .endAt"})
    static final class Info extends Base implements Callable<Integer> {
        @Parameters(paramLabel = "SANDBOX_ID")
        String id;

        @Override
        public Integer call() {
            CoveConfig config = config();
            SandboxInfo s = Sandbox.getInfo(id, config);
            if (json) {
                Output.json(out(), Output.sandbox(s));
                return ExitCodes.OK;
            }
            Output.details(out(), new String[][]{
                    {"Sandbox", s.sandboxId()}, {"Template", s.alias() != null ? s.alias() : s.templateId()},
                    {"State", s.state().wire()}, {"CPU", Integer.toString(s.cpuCount())},
                    {"Memory", s.memoryMB() + " MiB"}, {"Disk", s.diskSizeMB() + " MiB"},
                    {"Started", Output.time(s.startedAt())},
                    {"Ends", Output.time(s.endAt()) + " (in " + Output.endsIn(s.endAt()) + ")"},
                    {"Metadata", s.metadata().isEmpty() ? "-" : Output.metadata(s)},
                    {"Ports", "https://<port>-" + s.sandboxId() + "." + (s.domain() != null ? s.domain() : config.domain())},
            });
            return ExitCodes.OK;
        }
    }

    @Command(name = "kill", aliases = "rm", mixinStandardHelpOptions = true,
            description = "Kill sandboxes now. Exit code 3 when one did not exist or had ended already.",
            footer = {"%nExamples:", "  cove sandbox kill <id> <id2>", "  cove sandbox kill --all -m app=demo"})
    static final class Kill extends Base implements Callable<Integer> {
        @Parameters(paramLabel = "SANDBOX_ID", arity = "0..*")
        List<String> ids = new ArrayList<>();

        @Option(names = "--all", description = "Kill every live sandbox (with --metadata: every match).")
        boolean all;

        @Option(names = {"-m", "--metadata"}, paramLabel = "KEY=VALUE", description = "With --all: only sandboxes with this pair.")
        Map<String, String> metadata = new LinkedHashMap<>();

        @Override
        public Integer call() {
            CoveConfig config = config();
            List<String> targets = new ArrayList<>(ids);
            if (all) {
                Sandbox.list(SandboxQuery.builder().metadata(metadata).build(), config).all()
                        .forEach(s -> targets.add(s.sandboxId()));
            } else if (ids.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give sandbox ids, or --all");
            } else if (!metadata.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--metadata goes with --all");
            }
            ArrayNode results = Output.JSON.createArrayNode();
            int code = ExitCodes.OK;
            for (String id : targets) {
                boolean killed = Sandbox.kill(id, config);
                ObjectNode r = results.addObject();
                r.put("sandboxID", id);
                r.put("killed", killed);
                if (!killed) code = ExitCodes.NOT_FOUND;
                if (!json) {
                    if (killed) out().println("killed " + id);
                    else err().println("cove: sandbox " + id + " not found (it does not exist or has ended already)");
                }
            }
            if (json) Output.json(out(), results);
            return code;
        }
    }

    @Command(name = "timeout", mixinStandardHelpOptions = true,
            description = "Set when a sandbox ends, counted from now (may shorten; 0 ends it now).",
            footer = {"%nExamples:", "  cove sandbox timeout <id> 1h", "  cove sandbox timeout <id> 600"})
    static final class Timeout extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SANDBOX_ID")
        String id;

        @Parameters(index = "1", paramLabel = "DURATION", converter = Durations.class, description = "300, 90s, 5m, 1h")
        Duration timeout;

        @Override
        public Integer call() {
            CoveConfig config = config();
            Sandbox.setTimeout(id, timeout, config);
            if (timeout.isZero()) {
                if (json) Output.json(out(), Output.object().put("sandboxID", id).put("endAt", Output.time(Instant.now())));
                else out().println(id + " ends now");
                return ExitCodes.OK;
            }
            SandboxInfo s = Sandbox.getInfo(id, config);
            if (json) Output.json(out(), Output.object().put("sandboxID", id).put("endAt", Output.time(s.endAt())));
            else out().println(id + " ends at " + Output.time(s.endAt()) + " (in " + Output.endsIn(s.endAt()) + ")");
            return ExitCodes.OK;
        }
    }


}
