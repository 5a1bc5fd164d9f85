package dev.cove.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.Access;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.errors.PortNotReadyException;
import dev.cove.sdk.ports.ExposeOptions;
import dev.cove.sdk.ports.ExposedPort;
import dev.cove.sdk.ports.Readiness;
import dev.cove.sdk.ports.ShareLink;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cove expose}, {@code unexpose}, {@code share} and {@code revoke}: a sandbox port's URL and its share links. */
final class ExposeCommands {
    private ExposeCommands() {}

    static int port(CommandLine.Model.CommandSpec spec, int port) {
        if (port < 1 || port > 65535) throw new CommandLine.ParameterException(spec.commandLine(), "PORT must be 1..65535, not " + port);
        return port;
    }

    /** {@code --access private|public|link}. */
    static final class AccessConverter implements CommandLine.ITypeConverter<Access> {
        @Override
        public Access convert(String value) {
            try {
                return Access.of(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class AccessCandidates extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        AccessCandidates() { super(List.of("private", "link", "public")); }
    }

    @Command(name = "expose", mixinStandardHelpOptions = true,
            description = {"Give a sandbox port a URL once it answers, and print it (and its share link).",
                    "Cove waits until the port answers through its edge, from outside (--http checks a path; --wait says "
                            + "how long), and otherwise says why it is not ready (exit code 9): nothing listens, bound "
                            + "where the edge cannot reach, wrong status, or the process (--pid) exited.",
                    "The URL lives only as long as the sandbox (then 410 sandbox_ended) and at most --ttl. It is public "
                            + "only with --access public; private and link ports need the sandbox's traffic token or a share link."},
            footer = {"%nExamples:",
                    "  cove expose <id> 3000                # private: needs the token or a link",
                    "  cove expose <id> 3000 --access link --link-ttl 10m   # prints a 10-minute link",
                    "  cove expose <id> 8080 --access public --ttl 1h --http /health --status 200",
                    "  URL=$(cove expose -q <id> 3000 --access link)        # only the URL",
                    "  cove expose <id> 3000 --json | jq -r .url",
                    "%nExit codes: 0 exposed; 9 the port was not ready (the reason is printed; with",
                    "--json, error_code says it); 3 no such sandbox; 7 invalid request."})
    static final class Expose extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SANDBOX_ID")
        String id;

        @Parameters(index = "1", paramLabel = "PORT")
        int port;

        @Option(names = "--access", paramLabel = "POLICY", converter = AccessConverter.class,
                completionCandidates = AccessCandidates.class,
                description = "private, link or public (default: the port's current policy; link creates a share link).")
        Access access;

        @Option(names = "--ttl", converter = Durations.class, paramLabel = "DURATION",
                description = "Close the URL after this long: 600, 10m, 1h (default: when the sandbox ends).")
        Duration ttl;

        @Option(names = "--link", description = "Also create a share link that lives as long as the sandbox.")
        boolean link;

        @Option(names = "--link-ttl", converter = Durations.class, paramLabel = "DURATION",
                description = "Also create a share link that expires after this long: 10m, 1h.")
        Duration linkTtl;

        @Option(names = "--http", paramLabel = "PATH",
                description = "Ready once GET PATH answers (any status below 500, or --status); default: once it accepts connections.")
        String http;

        @Option(names = "--status", paramLabel = "CODE", description = "With --http: the status it must answer (implies --http /).")
        Integer status;

        @Option(names = "--wait", converter = Durations.class, paramLabel = "DURATION",
                description = "How long to wait for the port to be ready (default: 30s; at most 5m).")
        Duration wait;

        @Option(names = "--pid", paramLabel = "PID", description = "The pid of the serving process in the sandbox: fail at once if it exits.")
        Integer pid;

        @Option(names = {"-q", "--quiet"}, description = "Print only the URL to hand out (the link's, when one was made).")
        boolean quiet;

        @Override
        public Integer call() {
            port(spec, port);
            ExposeOptions o = new ExposeOptions().access(access);
            try {
                if (ttl != null) o.ttl(ttl);
                if (linkTtl != null) o.link(linkTtl);
                else if (link) o.link();
                if (http != null || status != null) {
                    String path = http != null ? http : "/";
                    o.readiness(status != null ? Readiness.http(path, status) : Readiness.http(path));
                }
                if (wait != null) o.timeout(wait);
                if (pid != null) o.pid(pid);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            Sandbox sbx = Attach.to(id, config());
            ExposedPort e;
            try {
                e = sbx.expose(port, o);
            } catch (PortNotReadyException refused) {
                return notReady(refused);
            }
            if (quiet) {
                out().println(e.link() != null && e.link().url() != null ? e.link().url() : e.url());
                return ExitCodes.OK;
            }
            if (json) {
                ObjectNode n = Output.exposed(e);
                n.put("sandboxID", sbx.getSandboxId());
                Output.json(out(), n);
                return ExitCodes.OK;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[]{"URL", e.url()});
            rows.add(new String[]{"Access", e.policy() == null ? "-" : e.policy().wire() + (e.policy() == Access.PUBLIC
                    ? " (anyone with the URL)" : " (needs the sandbox's traffic token or a share link)")});
            rows.add(new String[]{"Expires", Output.timeAndIn(e.expiresAt())
                    + (e.exposedUntil() == null ? ", when the sandbox ends" : "")});
            if (e.link() != null) {
                ShareLink l = e.link();
                rows.add(new String[]{"Link", l.url()});
                rows.add(new String[]{"Link id", l.id()});
                rows.add(new String[]{"Link expires", Output.timeAndIn(l.expiresAt()) + (l.lifetime() ? ", when the sandbox ends" : "")});
            }
            Output.details(out(), rows.toArray(String[][]::new));
            return ExitCodes.OK;
        }

        private int notReady(PortNotReadyException e) {
            if (json) {
                ObjectNode n = Output.object();
                n.put("sandboxID", id);
                n.put("port", port);
                n.put("error_code", e.code());
                n.put("message", e.getMessage());
                if (e.reason() == PortNotReadyException.Reason.PORT_NOT_LISTENING) {
                    e.listening().forEach(n.putArray("listening")::add);
                }
                if (e.address() != null) n.put("address", e.address());
                if (e.answeredStatus() != null) n.put("status", e.answeredStatus());
                if (e.expectedStatus() != null) n.put("expected", e.expectedStatus());
                if (e.pid() != null) n.put("pid", e.pid());
                if (e.exitCode() != null) n.put("exitCode", e.exitCode());
                if (e.processStatus() != null) n.put("processStatus", e.processStatus());
                Output.json(out(), n);
            } else {
                err().println(Output.problem("port " + port + " of " + id + " is not ready (" + e.code() + "): " + e.getMessage()));
                String hint = hint(e);
                if (hint != null) err().println("  " + ControlCharacters.visible(hint));
            }
            return ExitCodes.PORT_NOT_READY;
        }

        /** What to do on the command line; the server's message already says what it found and how to fix the app. */
        private static String hint(PortNotReadyException e) {
            switch (e.reason()) {
                case PORT_NOT_LISTENING:
                    return "If it is still starting, give it longer: --wait 60s.";
                case UNEXPECTED_STATUS:
                    return "Check --http and --status (without --status any status below 500 counts).";
                default:
                    return null;
            }
        }
    }

    @Command(name = "unexpose", mixinStandardHelpOptions = true,
            description = "Close a sandbox port's URL now: it answers 403 exposure_expired until exposed again, and its "
                    + "share links stop with it. The server inside keeps running.",
            footer = {"%nExamples:", "  cove unexpose <id> 3000", "  cove unexpose <id> 3000 --json"})
    static final class Unexpose extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SANDBOX_ID")
        String id;

        @Parameters(index = "1", paramLabel = "PORT")
        int port;

        @Override
        public Integer call() {
            port(spec, port);
            Attach.to(id, config()).unexpose(port);
            if (json) Output.json(out(), Output.object().put("sandboxID", id).put("port", port).put("exposed", false));
            else out().println("closed port " + port + " of " + id);
            return ExitCodes.OK;
        }
    }

    @Command(name = "share", mixinStandardHelpOptions = true,
            description = {"Create a share link of a sandbox port and print its URL: whoever has it gets through to the "
                    + "private port until it expires (--ttl; default: when the sandbox ends) or is revoked.",
                    "The link's token is shown only now; `cove ports` lists links by id, `cove revoke` ends them."},
            footer = {"%nExamples:", "  cove share <id> 3000 --ttl 10m", "  LINK=$(cove share <id> 3000)",
                    "  cove share <id> 3000 --json | jq -r .id"})
    static final class Share extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SANDBOX_ID")
        String id;

        @Parameters(index = "1", paramLabel = "PORT")
        int port;

        @Option(names = "--ttl", converter = Durations.class, paramLabel = "DURATION",
                description = "The link expires after this long: 600, 10m, 1h (default: when the sandbox ends).")
        Duration ttl;

        @Override
        public Integer call() {
            port(spec, port);
            if (ttl != null && (ttl.isZero() || ttl.isNegative())) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ttl must be positive");
            }
            ShareLink l = Attach.to(id, config()).ports().share(port, ttl);
            if (json) {
                ObjectNode n = Output.link(l);
                n.put("sandboxID", id);
                Output.json(out(), n);
                return ExitCodes.OK;
            }
            out().println(l.url());
            err().println("link " + l.id() + " expires " + (l.lifetime() ? "when the sandbox ends, " : "")
                    + Output.timeAndIn(l.expiresAt()) + "; revoke it with: cove revoke " + id + " " + l.id());
            return ExitCodes.OK;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke share links of a sandbox: requests carrying them are refused (403 link_revoked) from now on.",
            footer = {"%nExamples:", "  cove revoke <id> lnk_2hx81c", "  cove revoke <id> --all",
                    "%nExit codes: 0 revoked; 3 no such sandbox or link."})
    static final class Revoke extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SANDBOX_ID")
        String id;

        @Parameters(index = "1", arity = "0..1", paramLabel = "LINK_ID", description = "The link (see cove ports).")
        String linkId;

        @Option(names = "--all", description = "Revoke every link of the sandbox.")
        boolean all;

        @Override
        public Integer call() {
            if (all == (linkId != null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give a LINK_ID or --all");
            }
            Sandbox sbx = Attach.to(id, config());
            if (all) {
                int n = sbx.ports().revokeAll();
                if (json) Output.json(out(), Output.object().put("sandboxID", id).put("revoked", n));
                else out().println("revoked " + n + " link" + (n == 1 ? "" : "s") + " of " + id);
                return ExitCodes.OK;
            }
            sbx.ports().revoke(linkId);
            if (json) Output.json(out(), Output.object().put("sandboxID", id).put("linkId", linkId).put("revoked", 1));
            else out().println("revoked " + linkId);
            return ExitCodes.OK;
        }
    }
}
