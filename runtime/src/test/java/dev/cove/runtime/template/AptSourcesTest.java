package dev.cove.runtime.template;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AptSourcesTest {

    @Test
    void picksTheDeb822StanzaThatServesTheSuite(@TempDir Path apt) throws IOException {
        Files.createDirectories(apt.resolve("sources.list.d"));
        Files.writeString(apt.resolve("sources.list.d/debian.sources"), """
                Types: deb
                # a comment inside the stanza
                URIs: http://mirror.example/debian
                Suites: bookworm bookworm-updates
                Components: main
                Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

                Types: deb
                URIs: http://mirror.example/debian-security
                Suites: bookworm-security
                Components: main
                Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
                """);
        Files.writeString(apt.resolve("sources.list.d/third.sources"), """
                Types: deb
                URIs: https://vendor.example/apt
                Suites: nodistro
                Components: main
                Signed-By:
                 -----BEGIN PGP PUBLIC KEY BLOCK-----
                 abc
                 -----END PGP PUBLIC KEY BLOCK-----
                """);
        Files.writeString(apt.resolve("sources.list"), "deb https://vendor.example/other cloud-sdk-bookworm main\n");

        List<AptSources.Source> all = AptSources.read(apt);
        assertThat(all).hasSize(4);
        AptSources.Source s = AptSources.mirrorFor(all, "bookworm");
        assertThat(s.uri()).isEqualTo("http://mirror.example/debian");
        assertThat(s.signedBy()).isEqualTo("/usr/share/keyrings/debian-archive-keyring.gpg");
        assertThat(all.stream().filter(x -> x.uri().contains("vendor.example/apt")).findFirst().orElseThrow().signedBy())
                .as("an inline key is not a keyring file").isNull();
        // a host on another Debian release still serves the suite from its main archive
        assertThat(AptSources.mirrorFor(all, "trixie").uri()).isEqualTo("http://mirror.example/debian");
    }

    @Test
    void readsOneLineEntriesWithOptionsAndSkipsDisabledStanzas(@TempDir Path apt) throws IOException {
        Files.createDirectories(apt.resolve("sources.list.d"));
        Files.writeString(apt.resolve("sources.list"), """
                # deb http://commented.example/debian bookworm main
                deb-src http://src.example/debian bookworm main
                deb [arch=amd64 signed-by=/etc/apt/keyrings/d.gpg] http://one.example/debian bookworm main contrib # note
                """);
        Files.writeString(apt.resolve("sources.list.d/off.sources"), """
                Enabled: no
                Types: deb
                URIs: http://off.example/debian
                Suites: bookworm
                Components: main
                """);
        List<AptSources.Source> all = AptSources.read(apt);
        assertThat(all).hasSize(1);
        AptSources.Source s = AptSources.mirrorFor(all, "bookworm");
        assertThat(s.uri()).isEqualTo("http://one.example/debian");
        assertThat(s.components()).containsExactly("main", "contrib");
        assertThat(s.signedBy()).isEqualTo("/etc/apt/keyrings/d.gpg");
    }

    @Test
    void noDebianSourceMeansNoMirror(@TempDir Path apt) throws IOException {
        Files.writeString(apt.resolve("sources.list"), "deb https://vendor.example/apt nodistro main\n");
        assertThat(AptSources.mirrorFor(AptSources.read(apt), "bookworm")).isNull();
    }
}
