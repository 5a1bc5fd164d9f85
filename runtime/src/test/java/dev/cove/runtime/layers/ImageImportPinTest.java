package dev.cove.runtime.layers;

import dev.cove.runtime.host.Cmd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An image's layer is keyed by the digest its registry names when inspected, and layers are shared by every build of
 * the node: what is pulled must be that digest's image, even when the tag moves between the inspection and the copy
 * (a registry that answers the two differently). A registry on loopback (docker-registry), images made with umoci.
 */
class ImageImportPinTest {
    private static final Duration T = Duration.ofMinutes(2);

    @TempDir
    Path dir;
    private Process registry;
    private int port;

    @BeforeEach
    void startRegistry() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("registry.yml"), "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: "
                + dir.resolve("store") + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
        registry = new ProcessBuilder("docker-registry", "serve", dir.resolve("registry.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        // two images, each a single file /marker saying which it is
        sh("set -e; cd " + dir + "; umoci init --layout L; for i in a b; do umoci new --image L:$i;"
                + " umoci unpack --image L:$i b$i; echo image-$i > b$i/rootfs/marker; umoci repack --image L:$i b$i; done");
        push("a");
    }

    @AfterEach
    void stopRegistry() throws InterruptedException {
        if (registry != null) {
            registry.destroy();
            registry.waitFor();
        }
    }

    private String ref() { return "127.0.0.1:" + port + "/coverev/img:1"; }

    private void push(String image) throws IOException {
        sh("for i in $(seq 50); do skopeo copy --quiet --dest-tls-verify=false oci:" + dir.resolve("L") + ":" + image
                + " docker://" + ref() + " && exit 0; sleep 0.2; done; exit 1");
    }

    private static void sh(String script) throws IOException {
        Cmd.check(List.of("sh", "-c", script), null, T);
    }

    @Test
    void theLayerOfADigestHoldsThatDigestsImageWhenTheTagMovesDuringThePull() throws IOException {
        LayerStore store = new LayerStore(dir.resolve("templates"));
        Layer layer = ImageImport.importImage(store, ref(), line -> {
            if (line.startsWith("pulling image")) { // inspected already: the tag now names another image
                try {
                    push("b");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        assertThat(Files.readString(layer.root().resolve("marker")))
                .as("layer %s holds the image its key names", layer.key()).isEqualTo("image-a\n");

        // and the moved tag is a new digest, a layer of its own
        Layer moved = ImageImport.importImage(store, ref(), line -> {});
        assertThat(moved.key()).isNotEqualTo(layer.key());
        assertThat(Files.readString(moved.root().resolve("marker"))).isEqualTo("image-b\n");
    }

    @Test
    void aReferenceIsPinnedByItsNameWithoutTheTag() {
        String d = "sha256:" + "0".repeat(64);
        assertThat(ImageImport.pinned("127.0.0.1:5000/a/b:1", d)).isEqualTo("127.0.0.1:5000/a/b@" + d);
        assertThat(ImageImport.pinned("localhost:5000/a", d)).isEqualTo("localhost:5000/a@" + d);
        assertThat(ImageImport.pinned("python:3.12", d)).isEqualTo("python@" + d);
        assertThat(ImageImport.pinned("python@sha256:" + "1".repeat(64), d)).isEqualTo("python@" + d);
    }
}
