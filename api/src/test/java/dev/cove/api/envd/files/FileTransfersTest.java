package dev.cove.api.envd.files;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FileTransfersTest {
    private static final String TOKEN = "tok";

    private static Map<String, String> query(String signature, String expiration) {
        Map<String, String> q = new HashMap<>(Map.of("path", "/a", "username", "user"));
        if (signature != null) q.put("signature", signature);
        if (expiration != null) q.put("signature_expiration", expiration);
        return q;
    }

    /** Each refusal names the check that failed, in envd's words; the SDKs' signed URLs pass. */
    @Test
    void refusalsSayWhy() {
        String later = Long.toString(Instant.now().getEpochSecond() + 60);
        String earlier = Long.toString(Instant.now().getEpochSecond() - 60);
        assertThat(FileTransfers.refusal(null, null, query(null, null), "read")).isNull();
        assertThat(FileTransfers.refusal(TOKEN, TOKEN, query(null, null), "read")).isNull();
        assertThat(FileTransfers.refusal(TOKEN, "other", query(null, null), "read"))
                .isEqualTo("access token present in header but does not match");
        assertThat(FileTransfers.refusal(TOKEN, null, query(null, null), "read")).isEqualTo("missing signature query parameter");
        assertThat(FileTransfers.refusal(TOKEN, null, query(FileTransfers.sign("/a", "read", "user", TOKEN, null), null), "read"))
                .isNull();
        assertThat(FileTransfers.refusal(TOKEN, null, query(FileTransfers.sign("/a", "read", "user", TOKEN, null), null), "write"))
                .isEqualTo("invalid signature");
        assertThat(FileTransfers.refusal(TOKEN, null, query("v1_forged", earlier), "read")).isEqualTo("invalid signature");
        assertThat(FileTransfers.refusal(TOKEN, null, query(FileTransfers.sign("/a", "read", "user", TOKEN, later), later), "read"))
                .isNull();
        assertThat(FileTransfers.refusal(TOKEN, null, query(FileTransfers.sign("/a", "read", "user", TOKEN, earlier), earlier), "read"))
                .isEqualTo("signature is already expired");
    }
}
