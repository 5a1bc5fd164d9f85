package dev.cove.sdk.templates;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code copy} context as the server unpacks it: GNU tar reads the archive (paths longer than 100 bytes through the
 * ustar prefix, modes, symlinks, contents), and the hash changes with a file's content and stays with nothing changed.
 */
class ContextArchiveTest {
    @TempDir
    Path ctx;
    @TempDir
    Path work;

    @Test
    void gnuTarUnpacksWhatTheSdkPacks() throws Exception {
        String deep = "app/" + "d".repeat(60) + "/" + "e".repeat(60);
        Files.createDirectories(ctx.resolve(deep));
        Files.writeString(ctx.resolve(deep).resolve("file-with-a-long-name.txt"), "deep content");
        Files.writeString(ctx.resolve("app/run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(ctx.resolve("app/run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.createSymbolicLink(ctx.resolve("app/link"), Path.of("run.sh"));
        Path tar = work.resolve("ctx.tgz");
        Files.write(tar, ContextArchive.tarGz(ctx, "app"));
        Path out = Files.createDirectories(work.resolve("out"));
        Process p = new ProcessBuilder("tar", "-xzf", tar.toString(), "-C", out.toString()).redirectErrorStream(true).start();
        String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(msg).isZero();
        assertThat(Files.readString(out.resolve(deep).resolve("file-with-a-long-name.txt"))).isEqualTo("deep content");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("app/run.sh")))).isEqualTo("rwxr-x---");
        assertThat(Files.readSymbolicLink(out.resolve("app/link"))).isEqualTo(Path.of("run.sh"));
    }

    @Test
    void theHashFollowsTheContent() throws Exception {
        Files.createDirectories(ctx.resolve("site"));
        Files.writeString(ctx.resolve("site/index.html"), "one");
        String first = ContextArchive.hash(ctx, "site", "/srv");
        assertThat(ContextArchive.hash(ctx, "site", "/srv")).isEqualTo(first).matches("[0-9a-f]{64}");
        assertThat(ContextArchive.hash(ctx, "site", "/elsewhere")).isNotEqualTo(first);
        Files.writeString(ctx.resolve("site/index.html"), "two");
        assertThat(ContextArchive.hash(ctx, "site", "/srv")).isNotEqualTo(first);
        assertThat(ContextArchive.files(ctx, "site")).containsExactly(Path.of("site"), Path.of("site/index.html"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContextArchive.files(ctx, "../outside"))
                .hasMessageContaining("outside the file context");
    }
}
