package dev.cove.it.sdk;

import dev.cove.sdk.CommandHandle;
import dev.cove.sdk.CommandOptions;
import dev.cove.sdk.CommandResult;
import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.Pty;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.errors.CommandExitException;
import dev.cove.sdk.errors.CoveTimeoutException;
import dev.cove.sdk.errors.InvalidArgumentException;
import dev.cove.sdk.errors.NotFoundException;
import dev.cove.sdk.files.EntryInfo;
import dev.cove.sdk.files.FileType;
import dev.cove.sdk.files.FilesystemEvent;
import dev.cove.sdk.files.WatchHandle;
import dev.cove.sdk.files.WriteInfo;
import dev.cove.sdk.ports.ListeningPort;
import dev.cove.sdk.ports.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Java SDK's agent API against a real {@code cove server}: commands (foreground, background, stdin, connect,
 * list, kill), terminals, files (contents of any size, entries, watch, signed URLs) and ports (listening, waits).
 * One sandbox serves the whole class; tests use their own directories and ports.
 */
class SdkAgentIT {
    static SdkServer server;
    static CoveConfig config;
    static Sandbox sbx;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        server = SdkServer.start("sdk-agent");
        config = server.config();
        sbx = server.track(Sandbox.builder().config(config).timeout(Duration.ofMinutes(10))
                .envVar("GREETING", "hello from create").create());
        http = HttpClient.newBuilder().sslContext(server.process.trustCoveCa()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.close(); // kills every sandbox it tracked, then checks for leftovers
    }

    // ------------------------------------------------------------------ commands

    /** run waits and returns stdout, stderr and 0; sandbox env vars, per-command env, cwd and user apply. */
    @Test
    void runReturnsOutputAndAppliesOptions() {
        CommandResult r = sbx.commands().run("echo out; echo err >&2");
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.succeeded()).isTrue();

        assertThat(sbx.commands().run("echo $GREETING").stdout()).isEqualTo("hello from create\n");
        assertThat(sbx.commands().run("echo $A-$B", new CommandOptions().env("A", "1").env("B", "two")).stdout())
                .isEqualTo("1-two\n");
        assertThat(sbx.commands().run("pwd", new CommandOptions().cwd("/tmp")).stdout()).isEqualTo("/tmp\n");
        assertThat(sbx.commands().run("whoami").stdout()).isEqualTo("user\n");
        assertThat(sbx.commands().run("whoami", new CommandOptions().user("root")).stdout()).isEqualTo("root\n");
        assertThat(sbx.commands().asUser("root").run("id -u").stdout()).isEqualTo("0\n");
        assertThat(sbx.commands().run("printf 'é→😀'").stdout()).isEqualTo("é→😀");
    }

    /** A non-zero exit is a CommandExitException carrying the exit code and both outputs. */
    @Test
    void nonZeroExitThrowsWithTheResult() {
        assertThatThrownBy(() -> sbx.commands().run("echo partial; echo broken >&2; exit 3"))
                .isInstanceOfSatisfying(CommandExitException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(3);
                    assertThat(e.stdout()).isEqualTo("partial\n");
                    assertThat(e.stderr()).isEqualTo("broken\n");
                    assertThat(e.getMessage()).contains("code 3").contains("broken");
                });
        assertThatThrownBy(() -> sbx.commands().run("no-such-command-here"))
                .isInstanceOfSatisfying(CommandExitException.class, e -> assertThat(e.exitCode()).isEqualTo(127));
    }

    /** A command that outlives its timeout is killed by the agent, and run reports it. */
    @Test
    void runTimeoutKillsTheCommand() {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> sbx.commands().run("echo started; sleep 30", new CommandOptions().timeout(Duration.ofSeconds(1))))
                .isInstanceOfAny(CommandExitException.class, CoveTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    /** Background commands stream output to callbacks, accept stdin, are listed, reconnectable and killable. */
    @Test
    void backgroundCommandsStreamTakeStdinAndCanBeKilled() {
        List<String> chunks = new CopyOnWriteArrayList<>();
        CommandHandle h = sbx.commands().start("while read line; do echo \"got $line\"; done",
                new CommandOptions().stdin(true).onStdout(chunks::add));
        assertThat(h.getPid()).isPositive();
        assertThat(h.isRunning()).isTrue();
        h.sendStdin("one\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> String.join("", chunks).contains("got one"));
        assertThat(sbx.commands().list()).anySatisfy(p -> {
            assertThat(p.pid()).isEqualTo(h.getPid());
            assertThat(p.cmd()).isEqualTo("/bin/bash");
            assertThat(p.args()).contains("-c");
        });

        // A second client attaches by pid and sees what comes next.
        List<String> seen = new CopyOnWriteArrayList<>();
        CommandHandle again = sbx.commands().connect(h.getPid(), seen::add, null);
        sbx.commands().sendStdin(h.getPid(), "two\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> String.join("", seen).contains("got two"));
        again.disconnect();

        h.closeStdin(); // the loop reads EOF and ends with 0
        assertThat(h.waitFor(Duration.ofSeconds(10)).stdout()).isEqualTo("got one\ngot two\n");
        assertThat(h.exitCode()).isZero();

        CommandHandle sleeper = sbx.commands().start("sleep 300");
        assertThat(sleeper.kill()).isTrue();
        assertThatThrownBy(sleeper::waitFor).isInstanceOf(CommandExitException.class);
        assertThat(sbx.commands().kill(sleeper.getPid())).as("already gone").isFalse();
        assertThat(sbx.commands().list()).noneMatch(p -> p.pid() == sleeper.getPid());
        assertThatThrownBy(() -> sbx.commands().connect(999_999)).isInstanceOf(NotFoundException.class);
    }

    /** waitFor with a limit gives up without stopping the process; disconnect leaves it running. */
    @Test
    void disconnectLeavesTheProcessRunning() {
        CommandHandle h = sbx.commands().start("sleep 2; echo done");
        assertThatThrownBy(() -> h.waitFor(Duration.ofMillis(200))).isInstanceOf(CoveTimeoutException.class);
        h.disconnect();
        assertThat(sbx.commands().list()).anyMatch(p -> p.pid() == h.getPid());
        await().atMost(Duration.ofSeconds(10)).until(() -> sbx.commands().list().stream().noneMatch(p -> p.pid() == h.getPid()));
    }

    // ------------------------------------------------------------------ pty

    /** A terminal echoes what is typed, knows its size, resizes, and ends with the shell's exit code. */
    @Test
    void ptyRunsAnInteractiveShell() {
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        CommandHandle term = sbx.pty().create(new Pty.Options().size(100, 30).onData(b -> {
            synchronized (screen) { screen.write(b, 0, b.length); }
        }));
        sbx.pty().sendInput(term.getPid(), "stty size; echo TERM=$TERM\n".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> text(screen).contains("30 100") && text(screen).contains("TERM=xterm-256color"));
        sbx.pty().resize(term.getPid(), 120, 40);
        sbx.pty().sendInput(term.getPid(), "stty size\n".getBytes(StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(10)).until(() -> text(screen).contains("40 120"));
        sbx.pty().sendInput(term.getPid(), "exit 4\n".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> term.waitFor(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(CommandExitException.class, e -> assertThat(e.exitCode()).isEqualTo(4));

        CommandHandle second = sbx.pty().create(new Pty.Options());
        assertThat(sbx.pty().kill(second.getPid())).isTrue();
        assertThatThrownBy(second::waitFor).isInstanceOf(CommandExitException.class);
    }

    private static String text(ByteArrayOutputStream b) {
        synchronized (b) { return b.toString(StandardCharsets.UTF_8); }
    }

    // ------------------------------------------------------------------ files

    /** Text and binary contents round-trip; parents are created; relative paths start at the home directory. */
    @Test
    void filesRoundTripTextAndBytes() {
        WriteInfo w = sbx.files().write("notes/hello.txt", "héllo\n");
        assertThat(w.path()).isEqualTo("/home/user/notes/hello.txt");
        assertThat(w.type()).isEqualTo(FileType.FILE);
        assertThat(sbx.files().read("/home/user/notes/hello.txt")).isEqualTo("héllo\n");
        assertThat(sbx.commands().run("cat notes/hello.txt; stat -c %U notes/hello.txt").stdout()).isEqualTo("héllo\nuser\n");

        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) all[i] = (byte) i;
        sbx.files().write("/tmp/bytes.bin", all);
        assertThat(sbx.files().readBytes("/tmp/bytes.bin")).isEqualTo(all);
        sbx.files().write("/tmp/empty", new byte[0]);
        assertThat(sbx.files().readBytes("/tmp/empty")).isEmpty();

        sbx.files().asUser("root").write("/root/secret.txt", "root only");
        assertThat(sbx.commands().run("stat -c %U /root/secret.txt", new CommandOptions().user("root")).stdout()).isEqualTo("root\n");
        assertThatThrownBy(() -> sbx.files().read("/root/secret.txt")).isInstanceOf(dev.cove.sdk.errors.CoveException.class);
        assertThatThrownBy(() -> sbx.files().read("/nope/missing.txt")).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("/nope/missing.txt");
    }

    /** Streams of any size go both ways without being held in memory at once (64 MiB here). */
    @Test
    void largeFilesStreamBothWays() throws Exception {
        long size = 64L << 20;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        InputStream source = new InputStream() {
            long left = size;
            long state = 42;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) return -1;
                int n = (int) Math.min(len, left);
                for (int i = 0; i < n; i++) {
                    state = state * 6364136223846793005L + 1442695040888963407L;
                    b[off + i] = (byte) (state >>> 56);
                }
                sent.update(b, off, n);
                left -= n;
                return n;
            }
        };
        sbx.files().write("/tmp/big.bin", source);
        assertThat(sbx.files().getInfo("/tmp/big.bin").size()).isEqualTo(size);
        MessageDigest got = MessageDigest.getInstance("SHA-256");
        long read = 0;
        try (InputStream in = sbx.files().readStream("/tmp/big.bin")) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                got.update(buf, 0, n);
                read += n;
            }
        }
        assertThat(read).isEqualTo(size);
        assertThat(got.digest()).isEqualTo(sent.digest());
        sbx.files().remove("/tmp/big.bin");
    }

    /** list, makeDir, rename, remove, exists and getInfo over filesystem.Filesystem. */
    @Test
    void entriesCanBeListedMadeMovedAndRemoved() {
        assertThat(sbx.files().makeDir("/tmp/tree/a/b")).isTrue();
        assertThat(sbx.files().makeDir("/tmp/tree/a/b")).as("exists already").isFalse();
        sbx.files().write("/tmp/tree/a/file.txt", "12345");
        List<EntryInfo> top = sbx.files().list("/tmp/tree/a");
        assertThat(top).extracting(EntryInfo::name).containsExactlyInAnyOrder("b", "file.txt");
        assertThat(sbx.files().list("/tmp/tree", 3)).extracting(EntryInfo::path)
                .contains("/tmp/tree/a", "/tmp/tree/a/b", "/tmp/tree/a/file.txt");

        EntryInfo info = sbx.files().getInfo("/tmp/tree/a/file.txt");
        assertThat(info.type()).isEqualTo(FileType.FILE);
        assertThat(info.size()).isEqualTo(5);
        assertThat(info.owner()).isEqualTo("user");
        assertThat(info.modifiedTime()).isNotNull();
        assertThat(sbx.files().getInfo("/tmp/tree/a").type()).isEqualTo(FileType.DIR);

        EntryInfo moved = sbx.files().rename("/tmp/tree/a/file.txt", "/tmp/tree/renamed.txt");
        assertThat(moved.path()).isEqualTo("/tmp/tree/renamed.txt");
        assertThat(sbx.files().exists("/tmp/tree/a/file.txt")).isFalse();
        assertThat(sbx.files().exists("/tmp/tree/renamed.txt")).isTrue();

        sbx.files().remove("/tmp/tree");
        assertThat(sbx.files().exists("/tmp/tree")).isFalse();
        assertThatThrownBy(() -> sbx.files().getInfo("/tmp/tree")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> sbx.files().list("/tmp/nothing-here")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> sbx.files().rename("/tmp/nothing-here", "/tmp/x")).isInstanceOf(NotFoundException.class);
        sbx.files().write("/tmp/plain.txt", "x");
        assertThatThrownBy(() -> sbx.files().list("/tmp/plain.txt")).isInstanceOf(InvalidArgumentException.class);
    }

    /** watchDir reports creates, writes, renames and removes until stopped. */
    @Test
    void watchDirReportsChanges() {
        sbx.files().makeDir("/tmp/watched");
        List<FilesystemEvent> events = new CopyOnWriteArrayList<>();
        WatchHandle watch = sbx.files().watchDir("/tmp/watched", events::add);
        sbx.files().write("/tmp/watched/new.txt", "1");
        sbx.files().rename("/tmp/watched/new.txt", "/tmp/watched/moved.txt");
        sbx.files().remove("/tmp/watched/moved.txt");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events)
                .extracting(FilesystemEvent::type)
                .contains(FilesystemEvent.Type.CREATE, FilesystemEvent.Type.REMOVE));
        assertThat(events).anyMatch(e -> e.name().equals("new.txt"));
        watch.stop();
        int seen = events.size();
        sbx.files().write("/tmp/watched/after.txt", "2");
        sbx.commands().run("sleep 0.5");
        assertThat(events).hasSize(seen);
        assertThatThrownBy(() -> sbx.files().watchDir("/tmp/not-there", e -> {})).isInstanceOf(NotFoundException.class);
    }

    /** Signed URLs work with plain HTTP and no headers; expired or altered signatures are refused. */
    @Test
    void signedUrlsDownloadAndUpload() throws Exception {
        sbx.files().write("/tmp/shared.txt", "signed content");
        String url = sbx.files().downloadUrl("/tmp/shared.txt", Duration.ofMinutes(5));
        assertThat(url).startsWith("https://49983-" + sbx.getSandboxId() + "." + server.domain() + "/files?")
                .contains("signature=v1_").contains("signature_expiration=");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("signed content");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(sbx.files().downloadUrl("/tmp/shared.txt"))).build(),
                HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("signed content");

        String altered = url.replace("shared.txt", "other.txt");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(altered)).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(401);
        String expired = sbx.files().downloadUrl("/tmp/shared.txt", Duration.ofSeconds(-10));
        assertThat(http.send(HttpRequest.newBuilder(URI.create(expired)).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(401);

        String up = sbx.files().uploadUrl("/tmp/uploaded.txt", Duration.ofMinutes(5));
        HttpResponse<String> u = http.send(HttpRequest.newBuilder(URI.create(up)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofString("via signed url")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(u.statusCode()).as(u.body()).isEqualTo(200);
        assertThat(sbx.files().read("/tmp/uploaded.txt")).isEqualTo("via signed url");
        // a download signature does not allow writing
        HttpResponse<String> wrongOp = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongOp.statusCode()).isEqualTo(401);
    }

    // ------------------------------------------------------------------ ports

    /** ports().listening sees IPv4 and IPv6 listeners; waits succeed when ready and time out with a reason. */
    @Test
    void portsAndWaits() {
        CommandHandle v4 = sbx.commands().start("python3 -m http.server 8101 --bind 127.0.0.1");
        CommandHandle v6 = sbx.commands().start("python3 -m http.server 8102 --bind ::");
        try {
            sbx.waitForPort(8101, Wait.forListeningPort().withStartupTimeout(Duration.ofSeconds(20)));
            sbx.waitForPort(8102, Wait.forHttp("/").forStatusCode(200).withStartupTimeout(Duration.ofSeconds(20)));
            assertThat(sbx.ports().listening()).contains(new ListeningPort(8101, "127.0.0.1"), new ListeningPort(8102, "::"));
            sbx.waitForPort(8101, Wait.forHttp("/missing").forStatusCode(404));

            assertThatThrownBy(() -> sbx.waitForPort(8103, Wait.forListeningPort().withStartupTimeout(Duration.ofSeconds(1))))
                    .isInstanceOf(CoveTimeoutException.class).hasMessageContaining("8103").hasMessageContaining("8101");
            assertThatThrownBy(() -> sbx.waitForPort(8101, Wait.forHttp("/missing").withStartupTimeout(Duration.ofSeconds(1))))
                    .isInstanceOf(CoveTimeoutException.class).hasMessageContaining("HTTP 404");
        } finally {
            v4.kill();
            v6.kill();
        }
    }

    /**
     * The agent's story with a public port (this suite's server makes ports public): create, write an app, start it in
     * the background, wait for the port, reach it from outside through getHost, kill, and see the URL answer 410
     * sandbox_ended. The private version, with a share link, is {@code SdkExposeIT.theAgentStory}.
     */
    @Test
    void theAgentStory() throws Exception {
        String url;
        try (Sandbox app = server.track(Sandbox.builder().config(config).metadata("story", "yes").create())) {
            HelloApp.write(app);
            List<String> log = new CopyOnWriteArrayList<>();
            app.commands().start("python3 app/server.py", new CommandOptions().onStderr(log::add));
            app.waitForPort(3000, Wait.forHttp("/").forStatusCode(200).withStartupTimeout(Duration.ofSeconds(30)));

            url = "https://" + app.getHost(3000) + "/";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(HelloApp.BODY);
            await().atMost(Duration.ofSeconds(5)).until(() -> String.join("", log).contains("GET / HTTP"));
        }
        HttpResponse<String> gone = http.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(gone.statusCode()).isEqualTo(410);
        assertThat(gone.body()).contains("sandbox_ended");
    }
}
