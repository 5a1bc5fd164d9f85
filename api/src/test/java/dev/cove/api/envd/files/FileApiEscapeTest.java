package dev.cove.api.envd.files;

import dev.cove.api.envd.EnvdTestBase;
import dev.cove.api.testing.EnvdClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The file API against a hostile sandbox: symlinks to host paths (absolute and relative), {@code ..} traversal,
 * symlinked parent directories, symlinks swapped in during writes, fifos, and host-only paths. A canary directory on
 * the host must never be read, changed or added to; every attempt gets a clear error (or acts inside the sandbox).
 */
class FileApiEscapeTest extends EnvdTestBase {
    private static final String SECRET = "HOST-CANARY-SECRET";
    private static Path canaryDir;
    private static Path canary;
    private static FileTime canaryTime;

    @BeforeAll
    static void plantCanary() throws IOException {
        canaryDir = Files.createTempDirectory(Path.of("/tmp"), "covetest-canary-");
        Files.setPosixFilePermissions(canaryDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        canary = canaryDir.resolve("secret.txt");
        Files.writeString(canary, SECRET);
        Files.setPosixFilePermissions(canary, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        canaryTime = Files.getLastModifiedTime(canary);
        // the sandbox plants its traps (as root inside it)
        String c = canaryDir.toString();
        EnvdClient.Result r = envd.run(String.join("; ",
                "mkdir -p /home/user/trap",
                "ln -s " + c + "/secret.txt /home/user/trap/abs",
                "ln -s ../../../../../../../../../../.." + c + "/secret.txt /home/user/trap/rel",
                "ln -s " + c + " /home/user/trap/dirlink",
                "ln -s / /home/user/trap/rootlink",
                "ln -s /proc/self/root /home/user/trap/proclink",
                "mkfifo /home/user/trap/fifo",
                "chown -R user:user /home/user/trap"), "root");
        assertThat(r.exitCode()).as(r.err()).isZero();
    }

    @AfterAll
    static void checkAndRemoveCanary() throws IOException {
        try {
            assertCanaryUntouched();
        } finally {
            try (Stream<Path> s = Files.walk(canaryDir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static void assertCanaryUntouched() throws IOException {
        assertThat(Files.readString(canary)).isEqualTo(SECRET);
        assertThat(Files.getLastModifiedTime(canary)).isEqualTo(canaryTime);
        try (Stream<Path> s = Files.list(canaryDir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("secret.txt");
        }
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    private static HttpResponse<String> read(String path) {
        return envd.send(envd.request("/files?path=" + enc(path), null).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> write(String path, String content) {
        return envd.send(envd.request("/files?path=" + enc(path), null).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofString(content)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readsNeverReachTheHost() throws IOException {
        String c = canaryDir.toString();
        List<String> attempts = List.of("/home/user/trap/abs", "/home/user/trap/rel", "/home/user/trap/dirlink/secret.txt",
                "/home/user/trap/rootlink" + c + "/secret.txt", c + "/secret.txt", "/../../../../.." + c + "/secret.txt",
                "../../../../../../.." + c + "/secret.txt", "/home/user/trap/../../../../../../.." + c + "/secret.txt",
                "/home/user/trap/proclink" + c + "/secret.txt", "/proc/self/root" + c + "/secret.txt",
                "/proc/1/root" + c + "/secret.txt");
        for (String p : attempts) {
            HttpResponse<String> r = read(p);
            assertThat(r.body()).as(p).doesNotContain(SECRET);
            assertThat(r.statusCode()).as(p + " -> " + r.body()).isEqualTo(404);
            assertThat(EnvdClient.read(r.body()).path("message").asText()).as(p).contains("does not exist");
            assertThatThrownBy(() -> envd.unary("filesystem.Filesystem/ListDir", EnvdClient.path(p), null))
                    .isInstanceOf(EnvdClient.ConnectError.class);
        }
        // host-only paths that exist on the host but not in the sandbox
        for (String p : List.of(dir.toAbsolutePath() + "/runtime/runtime.lock", "/proc/self/environ", "/proc/self/cmdline",
                "/proc/self/fd/0")) {
            HttpResponse<String> r = read(p);
            assertThat(r.statusCode()).as(p + " -> " + r.body()).isIn(400, 404);
        }
        // the host's /etc/hostname is not the sandbox's
        assertThat(read("/etc/hostname").body().strip()).isEqualTo(sandboxId);
        assertThat(read("/home/user/trap/rootlink/etc/hostname").body().strip()).isEqualTo(sandboxId);
        // a fifo is refused at once, never opened (a read would block; a device node would reach host devices)
        HttpResponse<String> fifo = read("/home/user/trap/fifo");
        assertThat(fifo.statusCode()).isEqualTo(400);
        assertThat(fifo.body()).contains("not a regular file");
        assertThat(write("/home/user/trap/fifo", "x").statusCode()).isEqualTo(400);
        assertCanaryUntouched();
    }

    @Test
    void writesAndChangesStayInside() throws IOException {
        String c = canaryDir.toString();
        // writing through a symlink to a host path writes the sandbox's file of that name
        assertThat(write("/home/user/trap/abs", "overwritten?").statusCode()).isIn(200, 400);
        assertThat(write("/home/user/trap/dirlink/new.txt", "new").statusCode()).isIn(200, 400);
        assertThat(write("/../../.." + c + "/dotdot.txt", "dotdot").statusCode()).isEqualTo(200);
        assertCanaryUntouched();
        assertThat(envd.run("cat " + c + "/dotdot.txt", "root").out()).isEqualTo("dotdot");
        for (String m : List.of("MakeDir", "Remove", "Stat")) {
            try {
                envd.unary("filesystem.Filesystem/" + m, EnvdClient.path("/home/user/trap/dirlink/secret.txt"), "root");
            } catch (EnvdClient.ConnectError expected) {
                assertThat(expected.code).isIn("not_found", "already_exists", "invalid_argument");
            }
        }
        assertThatThrownBy(() -> envd.unary("filesystem.Filesystem/Move",
                "{\"source\":\"" + c + "/secret.txt\",\"destination\":\"/home/user/stolen\"}", "root"))
                .isInstanceOfSatisfying(EnvdClient.ConnectError.class, e -> assertThat(e.code).isEqualTo("not_found"));
        // the host's file is not in the sandbox: nothing to remove, which succeeds as on E2B (the canary is checked below)
        envd.unary("filesystem.Filesystem/Remove", EnvdClient.path(c + "/secret.txt"), "root");
        envd.unary("filesystem.Filesystem/Remove", EnvdClient.path("/home/user/trap/rootlink/tmp"), "root");
        assertThat(Files.isDirectory(Path.of("/tmp"))).isTrue();
        assertCanaryUntouched();
    }

    /**
     * Hard links cannot leave the overlay (no cross-file-system links); one to a file of the shared, read-only
     * template layer is copied up, so writing through it changes only this sandbox.
     */
    @Test
    void hardLinksToTemplateFilesChangeOnlyTheSandbox() throws Exception {
        Path template;
        try (Stream<Path> s = Files.list(Path.of(System.getenv().getOrDefault("COVE_TEMPLATE_CACHE", "/var/cache/cove/templates")))) {
            template = s.filter(p -> p.getFileName().toString().startsWith("base-") && Files.isDirectory(p))
                    .findFirst().orElseThrow().resolve("rootfs/usr/bin/true");
        }
        byte[] before = Files.readAllBytes(template);
        FileTime beforeTime = Files.getLastModifiedTime(template);
        assertThat(envd.run("ln /usr/bin/true /root/hardlink", "root").exitCode()).isZero();
        HttpResponse<String> w = envd.send(envd.request("/files?path=/root/hardlink&username=root", null)
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofString("changed")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(w.statusCode()).isEqualTo(200);
        assertThat(envd.run("cat /usr/bin/true", "root").out()).isEqualTo("changed"); // the sandbox's copy
        assertThat(Files.readAllBytes(template)).isEqualTo(before);                     // the shared template: untouched
        assertThat(Files.getLastModifiedTime(template)).isEqualTo(beforeTime);
        assertThat(envd.run("printf '#!/bin/sh\\nexit 0\\n' > /usr/bin/true; chmod 755 /usr/bin/true", "root").exitCode()).isZero();
    }

    /** The parent directory is swapped between a real directory and a symlink to the host canary while uploads run. */
    @Test
    void symlinkSwappedInDuringWrites() throws Exception {
        String c = canaryDir.toString();
        envd.run("mkdir -p /home/user/race/d", null);
        ProcessSwapper swapper = new ProcessSwapper("while :; do rm -rf /home/user/race/d; ln -s " + c
                + " /home/user/race/d; rm -f /home/user/race/d; mkdir /home/user/race/d; done");
        try {
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 60; i++) statuses.add(write("/home/user/race/d/f" + i + ".txt", "race" + i).statusCode());
            // a long write whose target's parent flips meanwhile: the open file stays the one opened
            InputStream slow = new InputStream() {
                int left = 2 * 1024 * 1024;

                @Override
                public int read() {
                    return left-- > 0 ? 'x' : -1;
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    if (left <= 0) return -1;
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    int n = Math.min(Math.min(len, 16 * 1024), left);
                    java.util.Arrays.fill(b, off, off + n, (byte) 'x');
                    left -= n;
                    return n;
                }
            };
            HttpResponse<String> big = envd.send(envd.request("/files?path=" + enc("/home/user/race/d/big.bin"), null)
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> slow)).build(), HttpResponse.BodyHandlers.ofString());
            statuses.add(big.statusCode());
            assertThat(statuses).allMatch(s -> s == 200 || s == 400 || s == 404 || s == 409);
            assertThat(statuses).contains(200);
        } finally {
            swapper.stop();
        }
        assertCanaryUntouched();
    }

    /** A process in the sandbox that swaps paths until stopped. */
    private static final class ProcessSwapper {
        private final EnvdClient.Stream stream;
        private final int pid;
        private final AtomicBoolean stopped = new AtomicBoolean();

        ProcessSwapper(String script) {
            stream = envd.stream("process.Process/Start", EnvdClient.startRequest(script, null, null), null, java.util.Map.of());
            pid = stream.next().path("event").path("start").path("pid").asInt();
        }

        void stop() {
            if (stopped.getAndSet(true)) return;
            envd.unary("process.Process/SendSignal", "{\"process\":{\"pid\":" + pid + "},\"signal\":\"SIGNAL_SIGKILL\"}", null);
            envd.collect(stream);
        }
    }
}
