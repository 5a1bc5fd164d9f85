package dev.cove.it.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cove.it.CoveServerProcess;
import dev.cove.it.sdk.SdkServer;
import dev.cove.sdk.Access;
import dev.cove.sdk.CommandHandle;
import dev.cove.sdk.CommandOptions;
import dev.cove.sdk.Sandbox;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code cove} CLI as a user runs it, against a real server: the same JVM command line the {@code cove} script
 * ends in ({@code java -cp cli/target/classes:cli/target/lib/* dev.cove.cli.CoveCli}), in its own process, with
 * nothing but {@code COVE_DATA_DIR} and the key in its environment. Checks tables, {@code --json} and exit codes;
 * the interactive shell runs in tmux.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static SdkServer server;

    @BeforeAll
    static void start() throws Exception {
        assertThat(ROOT.resolve("cli/target/lib")).as("the CLI is packaged (mvn package)").isDirectory();
        server = SdkServer.start("cli");
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close();
    }

    record Run(int exitCode, String stdout, String stderr) {
        JsonNode json() throws IOException { return JSON.readTree(stdout); }
    }

    /** The exact command the {@code cove} script runs for client commands. */
    static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", ROOT.resolve("cli/target/classes") + File.pathSeparator + ROOT.resolve("cli/target/lib") + "/*",
                "dev.cove.cli.CoveCli"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Map<String, String> env() { return env(server.dataDir); }

    /** The environment the CLI gets from a user of the server of {@code dataDir}: its key, its data directory. */
    static Map<String, String> env(java.nio.file.Path dataDir) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("HOME", System.getenv().getOrDefault("HOME", "/root"));
        env.put("COVE_DATA_DIR", dataDir.toString());
        env.put("COVE_API_KEY", CoveServerProcess.API_KEY);
        // as the cove script sets it when the locale is not UTF-8: the JVM decodes arguments in the locale's charset
        env.put("LC_ALL", "C.UTF-8");
        return env;
    }

    static Run cove(String... args) throws Exception { return coveWithInput(null, args); }

    static Run coveWithInput(String stdin, String... args) throws Exception {
        return run(env(), stdin, args);
    }

    static Run run(Map<String, String> env, String stdin, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command(args));
        pb.environment().clear();
        pb.environment().putAll(env);
        Path out = Files.createTempFile("cove-cli", ".out");
        Path err = Files.createTempFile("cove-cli", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        try {
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("cove " + String.join(" ", args) + " did not finish");
            }
            return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Help is everywhere, with examples and the exit codes; a wrong command line exits 2. */
    @Test
    void helpAndUsage() throws Exception {
        Run help = cove("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.stdout()).contains("sandbox", "exec", "shell", "files", "ports", "expose", "unexpose", "share",
                "revoke", "ca", "keys", "Exit codes", "9  expose: the port was not ready");
        for (String[] sub : new String[][]{{"sandbox", "create"}, {"sandbox", "list"}, {"sandbox", "kill"}, {"exec"},
                {"shell"}, {"files", "cp"}, {"ports"}, {"expose"}, {"unexpose"}, {"share"}, {"revoke"}, {"ca", "export"},
                {"keys"}}) {
            List<String> a = new ArrayList<>(List.of(sub));
            a.add("--help");
            Run r = cove(a.toArray(String[]::new));
            assertThat(r.exitCode()).as(String.join(" ", sub)).isZero();
            assertThat(r.stdout()).as(String.join(" ", sub)).contains("Examples:");
        }
        assertThat(cove("frobnicate").exitCode()).isEqualTo(2);
        assertThat(cove("sandbox", "timeout", "abc", "soon").stderr()).contains("not a duration");
        assertThat(cove("--version").stdout()).startsWith("cove ");
        Run completion = cove("generate-completion");
        assertThat(completion.exitCode()).isZero();
        assertThat(completion.stdout()).contains("complete -F").contains("sandbox");
        // the script at the repository root hands client commands to exactly this class and classpath
        assertThat(Files.readString(ROOT.resolve("cove")))
                .contains("-cp \"$COVE_HOME/cli/target/classes:$COVE_HOME/cli/target/lib/*\" dev.cove.cli.CoveCli")
                .contains("export LC_ALL=C.UTF-8");
    }

    /** create, list (table, JSON, filters), info, timeout and kill, with the exit codes scripts rely on. */
    @Test
    void sandboxLifecycle() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Run created = cove("sandbox", "create", "-q", "-m", "tag=" + tag, "-m", "app=cli", "--timeout", "3m", "--cpu", "1",
                "--memory", "128", "-e", "FROM_CLI=yes");
        assertThat(created.exitCode()).as(created.stderr()).isZero();
        String id = server.track(created.stdout().strip());
        assertThat(id).matches("[a-z0-9]+");

        Run createdJson = cove("sandbox", "create", "--json", "-m", "tag=" + tag);
        assertThat(createdJson.exitCode()).isZero();
        String id2 = server.track(createdJson.json().get("sandboxID").asText());
        assertThat(createdJson.json().get("state").asText()).isEqualTo("running");

        Run table = cove("sandbox", "list", "-m", "tag=" + tag);
        assertThat(table.exitCode()).isZero();
        List<String> lines = table.stdout().lines().toList();
        assertThat(lines.get(0)).startsWith("SANDBOX ID").contains("TEMPLATE", "STATE", "CPU", "MEMORY", "ENDS IN", "METADATA");
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).startsWith(id2); // newest first
        assertThat(lines.get(2)).startsWith(id).contains("base", "running", "128 MiB", "app=cli");

        JsonNode list = cove("sandbox", "list", "--json", "-m", "tag=" + tag, "-m", "app=cli").json();
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("sandboxID").asText()).isEqualTo(id);
        assertThat(list.get(0).get("cpuCount").asInt()).isEqualTo(1);
        assertThat(list.get(0).get("metadata").get("tag").asText()).isEqualTo(tag);
        assertThat(cove("sandbox", "list", "--json", "-m", "tag=" + tag, "--limit", "1").json()).hasSize(1);
        assertThat(cove("sandbox", "list", "-m", "tag=none-" + tag).stderr()).contains("No sandboxes match");

        Run info = cove("sandbox", "info", id);
        assertThat(info.exitCode()).isZero();
        assertThat(info.stdout()).contains("Sandbox:", id, "Memory:", "128 MiB", "https://<port>-" + id + "." + server.domain());
        assertThat(cove("sandbox", "info", id, "--json").json().get("memoryMB").asInt()).isEqualTo(128);

        Run timeout = cove("sandbox", "timeout", id, "1h");
        assertThat(timeout.exitCode()).isZero();
        assertThat(timeout.stdout()).contains(id + " ends at").contains("in 59m");

        Run kill = cove("sandbox", "kill", id, id2);
        assertThat(kill.exitCode()).isZero();
        assertThat(kill.stdout()).contains("killed " + id, "killed " + id2);
        Run again = cove("sandbox", "kill", id);
        assertThat(again.exitCode()).isEqualTo(3);
        assertThat(again.stderr()).contains("not found");
        Run gone = cove("sandbox", "info", id);
        assertThat(gone.exitCode()).isEqualTo(3);
        assertThat(gone.stderr()).startsWith("cove: ").contains(id);
        assertThat(cove("sandbox", "list", "--json", "-m", "tag=" + tag).json()).isEmpty();

        // --all with a filter
        String id3 = server.track(cove("sandbox", "create", "-q", "-m", "tag=" + tag).stdout().strip());
        JsonNode killedAll = cove("sandbox", "kill", "--all", "-m", "tag=" + tag, "--json").json();
        assertThat(killedAll).hasSize(1);
        assertThat(killedAll.get(0).get("sandboxID").asText()).isEqualTo(id3);
        assertThat(killedAll.get(0).get("killed").asBoolean()).isTrue();
    }

    /** Errors a user can fix: wrong key (4), unreachable server (6), invalid request (7), unknown template (3). */
    @Test
    void errorsHaveExitCodesAndSayWhy() throws Exception {
        Run wrongKey = cove("--api-key", "e2b_00000000000000000000000000000000", "sandbox", "list");
        assertThat(wrongKey.exitCode()).isEqualTo(4);
        assertThat(wrongKey.stderr()).contains("Cannot get the team for the given API key");
        Run flagAfter = cove("sandbox", "list", "--api-key", "e2b_00000000000000000000000000000000");
        assertThat(flagAfter.exitCode()).as("global flags work after the subcommand too").isEqualTo(4);

        int closed;
        try (ServerSocket s = new ServerSocket(0)) { closed = s.getLocalPort(); }
        Run unreachable = cove("--api-url", "http://127.0.0.1:" + closed, "sandbox", "list");
        assertThat(unreachable.exitCode()).isEqualTo(6);
        assertThat(unreachable.stderr()).contains("cove up");

        Run invalid = cove("sandbox", "create", "--memory", "1");
        assertThat(invalid.exitCode()).isEqualTo(7);
        assertThat(invalid.stderr()).contains("memoryMB");
        Run template = cove("sandbox", "create", "-t", "nope");
        assertThat(template.exitCode()).isEqualTo(3);
        assertThat(template.stderr()).contains("template 'nope' not found");

        // Configured like a remote user: explicit URL, domain and CA, no data directory.
        Map<String, String> remote = new HashMap<>();
        remote.put("PATH", System.getenv("PATH"));
        remote.put("COVE_DATA_DIR", "/nonexistent");
        remote.put("E2B_API_KEY", CoveServerProcess.API_KEY);
        remote.put("E2B_DOMAIN", server.domain());
        remote.put("COVE_CA_CERT", server.process.caCert().toString());
        assertThat(run(remote, null, "sandbox", "list", "--json").exitCode()).isZero();
        remote.remove("COVE_CA_CERT");
        Run untrusted = run(remote, null, "sandbox", "list");
        assertThat(untrusted.exitCode()).isEqualTo(6);
        assertThat(untrusted.stderr()).contains("COVE_CA_CERT");
    }

    /** exec streams output, runs --shell command lines, and exits with the command's code (125 when Cove fails). */
    @Test
    void execStreamsAndReturnsTheExitCode() throws Exception {
        String id = server.track(cove("sandbox", "create", "-q", "-e", "FROM_CLI=yes").stdout().strip());
        Run hi = cove("exec", id, "--shell", "echo hi $FROM_CLI; echo oops >&2");
        assertThat(hi.exitCode()).as(hi.stderr()).isZero();
        assertThat(hi.stdout()).isEqualTo("hi yes\n");
        assertThat(hi.stderr()).isEqualTo("oops\n");
        assertThat(cove("exec", id, "--shell", "exit 7").exitCode()).isEqualTo(7);
        assertThat(cove("exec", id, "--", "sh", "-c", "exit 7").exitCode()).isEqualTo(7);
        assertThat(cove("exec", id, "--", "false").exitCode()).isEqualTo(1);
        assertThat(cove("exec", "--user", "root", "--cwd", "/etc", id, "--shell", "whoami; pwd").stdout()).isEqualTo("root\n/etc\n");
        assertThat(cove("exec", "-e", "X=1", id, "--", "printenv", "X").stdout()).isEqualTo("1\n");

        JsonNode j = cove("exec", "--json", id, "--shell", "echo out; exit 3").json();
        assertThat(j.get("exitCode").asInt()).isEqualTo(3);
        assertThat(j.get("stdout").asText()).isEqualTo("out\n");

        Run timedOut = cove("exec", "--timeout", "1s", id, "--", "sleep", "30");
        assertThat(timedOut.exitCode()).isNotZero();

        // a whole command line given as one argument is a program name: 127, and the way to run it as a command line
        Run oneWord = cove("exec", id, "--", "exit 7");
        assertThat(oneWord.exitCode()).isEqualTo(127);
        assertThat(oneWord.stderr()).contains("exit 7", "not found", "--shell 'exit 7'");
        assertThat(cove("exec", id, "--", "no-such-program").exitCode()).isEqualTo(127);
        assertThat(cove("exec", id).exitCode()).as("neither a program nor --shell").isEqualTo(2);
        assertThat(cove("exec", id, "--shell", "true", "--", "true").exitCode()).as("both").isEqualTo(2);

        Run missing = cove("exec", "doesnotexist000000000", "--", "true");
        assertThat(missing.exitCode()).isEqualTo(125);
        assertThat(missing.stderr()).contains("doesnotexist000000000");
        cove("sandbox", "kill", id);
    }

    /**
     * The words after {@code --} reach the program byte for byte: no shell splits, expands or runs any of them (a
     * joined string once lost the quoting of {@code 'a  b'} and ran {@code d} out of {@code 'c;d'}).
     */
    @Test
    void execPassesArgvExactly() throws Exception {
        String id = server.track(cove("sandbox", "create", "-q").stdout().strip());
        List<String> args = List.of("a  b", "c;d", "$HOME", "${X:-y}", "'single'", "\"double\"", "", " ", "line1\nline2",
                "back\\slash", "*", "`id`", "$(id)", "a|b", "x > y", "--", "-n", "@/etc/hostname", "é ✓", "\ttab");
        List<String> cmd = new ArrayList<>(List.of("exec", id, "--", "python3", "-c",
                "import json, sys; print(json.dumps(sys.argv[1:]))"));
        cmd.addAll(args);
        Run r = cove(cmd.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        List<String> received = new ArrayList<>();
        JSON.readTree(r.stdout()).forEach(a -> received.add(a.asText()));
        assertThat(received).containsExactlyElementsOf(args);

        Run printf = cove("exec", id, "--", "printf", "[%s]", "a  b", "c;d");
        assertThat(printf.stdout()).isEqualTo("[a  b][c;d]");
        assertThat(printf.stderr()).isEmpty();
        cove("sandbox", "kill", id);
    }

    /**
     * Every {@code cove exec} example of the README runs as it says. The examples are read from README.md, so the
     * test follows the README; an example this test does not know fails it until its expected result is added here.
     */
    @Test
    void execExamplesOfTheReadmeWork() throws Exception {
        Map<String, String> expected = Map.of(  // regular expressions
                "./cove exec <id> -- python3 -c 'print(6*7)'", "42\n",
                "./cove exec <id> -- printf '[%s]' 'a  b' 'c;d' ''", Pattern.quote("[a  b][c;d][]"),
                "./cove exec <id> --shell 'ls /etc | wc -l'", "\\d+\n");
        List<String> examples = Files.readAllLines(ROOT.resolve("README.md")).stream()
                .filter(l -> l.startsWith("./cove exec "))
                .map(l -> l.replaceFirst("\\s+#.*$", "").strip())
                .toList();
        assertThat(examples).as("the README's exec examples").containsExactlyInAnyOrderElementsOf(expected.keySet());
        String id = server.track(cove("sandbox", "create", "-q").stdout().strip());
        for (String example : examples) {
            List<String> words = shellWords(example.replace("<id>", id));
            assertThat(words.subList(0, 2)).containsExactly("./cove", "exec");
            Run r = cove(words.subList(1, words.size()).toArray(String[]::new));
            assertThat(r.exitCode()).as(example + ": " + r.stderr()).isZero();
            assertThat(r.stdout()).as(example).matches(expected.get(example));
        }
        cove("sandbox", "kill", id);
    }

    /** A shell's word splitting for the README's lines: single and double quotes, backslash escapes. */
    static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder w = null;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                if (w == null) w = new StringBuilder();
                int close = line.indexOf('\'', i + 1);
                w.append(line, i + 1, close);
                i = close;
            } else if (c == '"') {
                if (w == null) w = new StringBuilder();
                for (i++; line.charAt(i) != '"'; i++) {
                    if (line.charAt(i) == '\\' && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) i++;
                    w.append(line.charAt(i));
                }
            } else if (c == '\\') {
                if (w == null) w = new StringBuilder();
                w.append(line.charAt(++i));
            } else if (Character.isWhitespace(c)) {
                if (w != null) words.add(w.toString());
                w = null;
            } else {
                if (w == null) w = new StringBuilder();
                w.append(c);
            }
        }
        if (w != null) words.add(w.toString());
        return words;
    }

    /**
     * {@code exec -i} passes this program's standard input to the command and closes it at the end. Runs last: on
     * a 2-core machine the server's agent API can run out of carrier threads while a process waits for input
     * (blocking pipe reads on virtual threads), which would stall the tests after it.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void execPassesStandardInput() throws Exception {
        String id = server.track(cove("sandbox", "create", "-q").stdout().strip());
        Run piped = coveWithInput("line one\nline two\n", "exec", "-i", id, "--", "wc", "-l");
        assertThat(piped.exitCode()).as(piped.stderr()).isZero();
        assertThat(piped.stdout().strip()).isEqualTo("2");
        cove("sandbox", "kill", id);
    }

    /**
     * Text a sandbox controls reaches the operator's terminal with its control characters visible: here a listener
     * whose argv carries ESC sequences (retitle, clear screen), BEL, CR, DEL and the one-character CSI U+009B, and
     * metadata with an ESC. The tables show {@code \x1b} and {@code \u009b}; --json escapes them.
     */
    @Test
    void portsAndInfoShowControlCharactersVisibly() throws Exception {
        String hostile = "x\u001b]0;owned\u0007\u001b[2J\r\u007f\u009b31m";
        try (Sandbox sbx = server.track(Sandbox.builder().config(server.config()).metadata("note", "\u001b[31mred")
                .timeout(Duration.ofMinutes(5)).create())) {
            String id = sbx.getSandboxId();
            sbx.commands().start(List.of("python3", "-c", "import socket, time\n"
                    + "s = socket.socket(); s.bind(('0.0.0.0', 8300)); s.listen(); time.sleep(300)", hostile), new CommandOptions());
            sbx.waitForPort(8300);

            Run ports = cove("ports", id);
            assertThat(ports.exitCode()).as(ports.stderr()).isZero();
            assertThat(ports.stdout()).contains("x\\x1b]0;owned\\x07\\x1b[2J\\x0d\\x7f\\u009b31m");
            assertNoRawControls(ports.stdout());
            Run json = cove("ports", id, "--json");
            assertNoRawControls(json.stdout());
            assertThat(json.json().get("listening").get(0).get("command").asText()).endsWith(hostile);

            Run info = cove("sandbox", "info", id);
            assertThat(info.stdout()).contains("note=\\x1b[31mred");
            assertNoRawControls(info.stdout());
            assertNoRawControls(cove("sandbox", "list").stdout());
        }
    }

    /** Nothing but line ends: no other C0 character, no DEL, no C1 character. */
    static void assertNoRawControls(String out) {
        assertThat(out.chars().filter(c -> c != '\n' && (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)))).as(out).isEmpty();
    }

    /** files cp both ways, to a directory, through standard input and output; a missing file exits 3. */
    @Test
    void filesCopyBothWays(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        String id = server.track(cove("sandbox", "create", "-q").stdout().strip());
        Path local = tmp.resolve("data.bin");
        byte[] content = new byte[3 << 20];
        new java.util.Random(7).nextBytes(content);
        Files.write(local, content);

        Run up = cove("files", "cp", local.toString(), id + ":/tmp/in/data.bin");
        assertThat(up.exitCode()).as(up.stderr()).isZero();
        assertThat(up.stdout()).contains("copied").contains((3 << 20) + " bytes");
        assertThat(cove("exec", id, "--", "stat", "-c", "%s", "/tmp/in/data.bin").stdout().strip()).isEqualTo(Integer.toString(3 << 20));

        Path back = tmp.resolve("back");
        Files.createDirectories(back);
        Run down = cove("files", "cp", id + ":/tmp/in/data.bin", back.toString());
        assertThat(down.exitCode()).as(down.stderr()).isZero();
        assertThat(Files.readAllBytes(back.resolve("data.bin"))).isEqualTo(content);

        assertThat(coveWithInput("from stdin\n", "files", "cp", "-", id + ":notes.txt").exitCode()).isZero();
        assertThat(cove("files", "cp", id + ":notes.txt", "-").stdout()).isEqualTo("from stdin\n");
        assertThat(cove("files", "cp", id + ":/home/user/notes.txt", "-", "--json").stderr()).contains("\"bytes\" : 11");
        cove("files", "cp", local.toString(), id + ":/tmp/dir/");
        assertThat(cove("exec", id, "--", "ls", "/tmp/dir").stdout()).isEqualTo("data.bin\n");

        Run missing = cove("files", "cp", id + ":/nope.txt", tmp.toString());
        assertThat(missing.exitCode()).isEqualTo(3);
        assertThat(missing.stderr()).contains("/nope.txt");
        Run both = cove("files", "cp", local.toString(), tmp.resolve("x").toString());
        assertThat(both.exitCode()).isEqualTo(2);
        cove("sandbox", "kill", id);
    }

    /** ca export prints the CA; keys shows the key masked. */
    @Test
    void caAndKeys(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {

        String pem = Files.readString(server.process.caCert());
        Run ca = cove("ca", "export");
        assertThat(ca.exitCode()).isZero();
        assertThat(ca.stdout()).isEqualTo(pem).startsWith("-----BEGIN CERTIFICATE-----");
        Path file = tmp.resolve("ca.crt");
        assertThat(cove("ca", "export", "-o", file.toString()).exitCode()).isZero();
        assertThat(Files.readString(file)).isEqualTo(pem);
        assertThat(cove("--data-dir", tmp.toString(), "ca", "export").exitCode()).isEqualTo(3);

        Run keys = cove("keys");
        assertThat(keys.exitCode()).isZero();
        assertThat(keys.stdout()).contains("COVE_API_KEY").contains("Accepted:").contains("yes")
                .doesNotContain(CoveServerProcess.API_KEY);
        JsonNode k = cove("keys", "--reveal", "--json").json();
        assertThat(k.get("key").asText()).isEqualTo(CoveServerProcess.API_KEY);
        assertThat(k.get("valid").asBoolean()).isTrue();
        Run bad = cove("--api-key", "e2b_00000000000000000000000000000000", "keys");
        assertThat(bad.exitCode()).isEqualTo(4);
        assertThat(bad.stdout()).contains("no: Cannot get the team");

        // named keys: made (printed once), accepted at once, listed without their value, revoked at once
        Run create = cove("keys", "create", "ci-runner", "--json");
        assertThat(create.exitCode()).as(create.stdout() + create.stderr()).isZero();
        JsonNode made = create.json();
        String newKey = made.get("key").asText();
        String id = made.get("id").asText();
        assertThat(newKey).matches("e2b_[0-9a-f]{32}");
        assertThat(cove("--api-key", newKey, "sandbox", "list").exitCode()).as("the new key works").isZero();
        Run list = cove("keys", "list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.stdout()).startsWith("ID").contains(id, "ci-runner", "bootstrap", newKey.substring(0, 8), newKey.substring(newKey.length() - 4))
                .doesNotContain(newKey);
        Run revoked = cove("keys", "revoke", id);
        assertThat(revoked.exitCode()).isZero();
        assertThat(revoked.stdout()).contains("revoked " + id);
        assertThat(cove("--api-key", newKey, "sandbox", "list").exitCode()).as("refused once revoked").isEqualTo(4);
        assertThat(cove("keys", "revoke", id).exitCode()).as("unknown now").isEqualTo(3);
        String own = null;
        for (JsonNode key : cove("keys", "list", "--json").json()) if (key.get("source").asText().equals("bootstrap")) own = key.get("id").asText();
        Run ownKey = cove("keys", "revoke", own);
        assertThat(ownKey.exitCode()).as("the server's own key is changed where it comes from").isNotZero();
        assertThat(ownKey.stderr()).contains("COVE_API_KEY");
    }

    /**
     * ports shows listeners (with pid and command), exposed ports and links; expose prints the URL and link or the
     * reason with exit code 9; share prints a link; revoke ends links (3 for an unknown one); unexpose closes.
     */
    @Test
    void portsExposeShareRevokeUnexpose() throws Exception {
        // private by the sandbox's own default, whatever the operator's; 15 minutes, so a 10-minute link is not cut short
        try (Sandbox sbx = server.track(Sandbox.builder().config(server.config()).portAccess(Access.PRIVATE)
                .timeout(Duration.ofMinutes(15)).create())) {
            String id = sbx.getSandboxId();
            String url = "https://8200-" + id + "." + server.domain() + "/";
            Run empty = cove("ports", id);
            assertThat(empty.exitCode()).isZero();
            assertThat(empty.stderr()).contains("Nothing listens").contains("No port is exposed").contains("private");
            CommandHandle web = sbx.commands().start("python3 -m http.server 8200 --directory /tmp");
            sbx.waitForPort(8200);

            Run ports = cove("ports", id);
            assertThat(ports.exitCode()).as(ports.stderr()).isZero();
            List<String> lines = ports.stdout().lines().toList();
            assertThat(lines.get(0)).startsWith("PORT").contains("ADDRESS", "PID", "COMMAND");
            assertThat(lines.get(1)).startsWith("8200").contains(Integer.toString(web.getPid())).contains("python3 -m http.server 8200");

            // not ready: typed reason, exit code 9, as text and as JSON
            Run notReady = cove("expose", id, "8299", "--wait", "2s");
            assertThat(notReady.exitCode()).isEqualTo(9);
            assertThat(notReady.stderr()).contains("port_not_listening").contains("8200");
            Run notReadyJson = cove("expose", id, "8200", "--http", "/missing", "--status", "200", "--wait", "2s", "--json");
            assertThat(notReadyJson.exitCode()).isEqualTo(9);
            assertThat(notReadyJson.json().get("error_code").asText()).isEqualTo("unexpected_status");
            assertThat(notReadyJson.json().get("status").asInt()).isEqualTo(404);

            // exposed privately with a 10-minute link
            Run exposed = cove("expose", id, "8200", "--access", "private", "--link-ttl", "10m", "--http", "/", "--status", "200");
            assertThat(exposed.exitCode()).as(exposed.stderr()).isZero();
            assertThat(exposed.stdout()).contains("URL:").contains(url).contains("private").contains("Link:")
                    .contains("cove_token=cove_link_").contains("Link id:").contains("in 9m");
            JsonNode table = cove("ports", id, "--json").json();
            assertThat(table.get("defaultAccess").asText()).isEqualTo("private");
            assertThat(table.get("listening").get(0).get("pid").asInt()).isEqualTo(web.getPid());
            JsonNode ex = table.get("exposed").get(0);
            assertThat(ex.get("port").asInt()).isEqualTo(8200);
            assertThat(ex.get("access").asText()).isEqualTo("private");
            assertThat(ex.get("url").asText()).isEqualTo(url);
            assertThat(ex.get("links")).hasSize(1);
            String firstLink = ex.get("links").get(0).get("id").asText();
            Run withExposed = cove("ports", id);
            assertThat(withExposed.stdout()).contains("POLICY", "STATE", "URL", "EXPIRES IN", "LINKS")
                    .contains(url).contains(firstLink).contains("active");

            // JSON and quiet forms of expose
            JsonNode pub = cove("expose", id, "8200", "--access", "public", "--ttl", "10m", "--json").json();
            assertThat(pub.get("access").asText()).isEqualTo("public");
            assertThat(pub.get("url").asText()).isEqualTo(url);
            assertThat(pub.get("exposedUntil").asText()).isNotBlank();
            Run quiet = cove("expose", "-q", id, "8200", "--access", "link");
            assertThat(quiet.exitCode()).isZero();
            assertThat(quiet.stdout().strip()).startsWith(url + "?cove_token=cove_link_").doesNotContain("\n");

            // share prints the URL only; the link works until revoked
            Run share = cove("share", id, "8200", "--ttl", "10m");
            assertThat(share.exitCode()).as(share.stderr()).isZero();
            String linkUrl = share.stdout().strip();
            assertThat(linkUrl).startsWith(url + "?cove_token=cove_link_");
            assertThat(share.stderr()).contains("cove revoke " + id + " lnk_");
            JsonNode shareJson = cove("share", id, "8200", "--json").json();
            assertThat(shareJson.get("lifetime").asBoolean()).isTrue();
            assertThat(shareJson.get("token").asText()).startsWith("cove_link_");
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(server.process.trustCoveCa()).build();
            java.util.function.Function<String, Integer> status = u -> {
                try {
                    return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(u)).build(),
                            java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            assertThat(status.apply(linkUrl)).isEqualTo(200);
            String linkId = share.stderr().replaceAll("(?s).*cove revoke " + id + " (lnk_\\S+).*", "$1");
            Run revoke = cove("revoke", id, linkId);
            assertThat(revoke.exitCode()).as(revoke.stderr()).isZero();
            assertThat(revoke.stdout()).contains("revoked " + linkId);
            assertThat(status.apply(linkUrl)).isEqualTo(403);
            Run unknown = cove("revoke", id, "lnk_doesnotexist");
            assertThat(unknown.exitCode()).isEqualTo(3);
            assertThat(unknown.stderr()).startsWith("cove: ");
            assertThat(cove("revoke", id).exitCode()).as("a link id or --all").isEqualTo(2);
            JsonNode all = cove("revoke", id, "--all", "--json").json();
            assertThat(all.get("revoked").asInt()).isGreaterThanOrEqualTo(2); // the first, the quiet one, the JSON one

            // unexpose closes the URL for everyone
            Run unexpose = cove("unexpose", id, "8200");
            assertThat(unexpose.exitCode()).isZero();
            assertThat(unexpose.stdout()).contains("closed port 8200");
            assertThat(status.apply(url)).isEqualTo(403);
            assertThat(cove("unexpose", id, "8200", "--json").json().get("exposed").asBoolean()).isFalse();
            assertThat(cove("expose", id, "0").exitCode()).isEqualTo(2);
            assertThat(cove("expose", id, "8200", "--access", "open").exitCode()).isEqualTo(2);
            assertThat(cove("expose", "doesnotexist000000000", "8200").exitCode()).isEqualTo(3);
            web.kill();
        }
    }

    /** shell opens a real terminal (tmux): commands run, the prompt answers, and `exit N` becomes the exit code. */
    @Test
    void shellIsInteractiveInATerminal(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        String id = server.track(cove("sandbox", "create", "-q").stdout().strip());
        String session = "covesdk-shell-" + ProcessHandle.current().pid();
        Path exit = tmp.resolve("exit-code");
        StringBuilder envs = new StringBuilder();
        env().forEach((k, v) -> envs.append(k).append("='").append(v).append("' "));
        String line = "env -i " + envs + String.join(" ", command("shell", id).stream().map(s -> "'" + s + "'").toList())
                + "; echo $? > " + exit;
        tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", "bash", "--norc", "-c", line);
        try {
            // Type only once the prompt is up: keys sent earlier reach the terminal before bash reads them.
            // Lines are matched whole, since a sandbox id may itself contain the digits looked for.
            awaitScreen(session, screen -> screen.contains("user@" + id));
            tmux("send-keys", "-t", session, "stty size; echo $((6*7))", "Enter");
            awaitScreen(session, screen -> screen.lines().anyMatch(l -> l.strip().equals("42")));
            assertThat(tmux("capture-pane", "-p", "-t", session).lines().map(String::strip)).contains("40 120");
            tmux("send-keys", "-t", session, "exit 5", "Enter");
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(exit) && !Files.readString(exit).isBlank());
            assertThat(Files.readString(exit).strip()).isEqualTo("5");
        } finally {
            new ProcessBuilder("tmux", "kill-session", "-t", session).start().waitFor(10, TimeUnit.SECONDS);
            cove("sandbox", "kill", id);
        }
    }

    static void awaitScreen(String session, Predicate<String> shown) {
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> shown.test(tmux("capture-pane", "-p", "-t", session)));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the terminal shows:\n" + tmux("capture-pane", "-p", "-t", session), e);
        }
    }

    static String tmux(String... args) {
        try {
            List<String> cmd = new ArrayList<>(List.of("tmux"));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
