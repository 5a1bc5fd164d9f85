package dev.cove.api.templates;

import dev.cove.api.store.JdbcSandboxStore;
import dev.cove.api.store.TemplateRecord;
import dev.cove.core.CoveException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The upload of a {@code copy} context carries no API key: its link's token is all that authorises it. One link, one
 * upload (also while the first is still sending), and a bounded size, with nothing kept of a refused one.
 */
class UploadLinkTest {
    private static final String HASH = "c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

    @TempDir
    Path dir;
    private JdbcSandboxStore db;
    private String templateId;

    @BeforeEach
    void open() {
        db = JdbcSandboxStore.openSqlite(dir.resolve("cove.db"));
        Instant now = Instant.now();
        templateId = "coverevuploadtpl";
        db.templates().insertOrGet(new TemplateRecord(templateId, "coverev-upload", now, now, 1, 256, null));
    }

    @AfterEach
    void close() { db.close(); }

    private TemplateService service(long maxBytes) {
        return new TemplateService(db.templates(), null, null, dir.resolve("data"), Clock.systemUTC(), maxBytes);
    }

    private String token(TemplateService templates) {
        String url = (String) templates.uploadLink(templateId, HASH, "http://127.0.0.1:1").get("url");
        return URI.create(url).getQuery().substring("token=".length());
    }

    private Path stored() { return TemplateService.uploadPath(dir.resolve("data").resolve("template-files"), HASH); }

    private static InputStream bytes(String s) { return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)); }

    @Test
    void aLinkCarriesOneUploadEvenWhileTheFirstIsStillSending() throws Exception {
        TemplateService templates = service(TemplateService.MAX_UPLOAD_BYTES);
        String token = token(templates);
        CountDownLatch sending = new CountDownLatch(1), release = new CountDownLatch(1);
        InputStream slow = new InputStream() {
            private final InputStream rest = bytes("the user's own context");

            @Override
            public int read() { throw new UnsupportedOperationException(); }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                sending.countDown();
                try {
                    if (!release.await(30, TimeUnit.SECONDS)) throw new java.io.IOException("not released");
                } catch (InterruptedException e) {
                    throw new java.io.IOException(e);
                }
                return rest.read(b, off, len);
            }
        };
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> templates.upload(templateId, HASH, token, slow));
        assertThat(sending.await(30, TimeUnit.SECONDS)).isTrue();

        // whoever saw the link's URL replays it while the owner's upload is under way
        assertThatThrownBy(() -> templates.upload(templateId, HASH, token, bytes("someone else's tar")))
                .isInstanceOfSatisfying(CoveException.class, e -> assertThat(e.status()).isEqualTo(401));

        release.countDown();
        first.get(30, TimeUnit.SECONDS);
        assertThat(Files.readString(stored())).isEqualTo("the user's own context");
        assertThatThrownBy(() -> templates.upload(templateId, HASH, token, bytes("again")))
                .isInstanceOfSatisfying(CoveException.class, e -> assertThat(e.status()).isEqualTo(401));
    }

    @Test
    void anUploadOverTheBoundIsRefusedAndNothingOfItKept() throws Exception {
        TemplateService templates = service(1024);
        String token = token(templates);
        assertThatThrownBy(() -> templates.upload(templateId, HASH, token, bytes("x".repeat(4096))))
                .isInstanceOfSatisfying(CoveException.class, e -> {
                    assertThat(e.status()).isEqualTo(413);
                    assertThat(e.getMessage()).contains("1024 bytes");
                });
        try (Stream<Path> left = Files.list(stored().getParent())) {
            assertThat(left.toList()).as("no partial or temporary file stays").isEmpty();
        }
        // a refused upload gives the link back: the client may send a smaller context
        templates.upload(templateId, HASH, token, bytes("small"));
        assertThat(Files.readString(stored())).isEqualTo("small");
    }
}
