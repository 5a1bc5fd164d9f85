package dev.cove.api.auth;

import dev.cove.api.ApiConfig;
import dev.cove.api.store.JdbcSandboxStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

class ApiKeysTest {
    @TempDir
    Path dir;

    /** Without COVE_API_KEY a key is generated once in E2B's format, kept 0600 and reused on restart. */
    @Test
    void generatedKeyIsKeptAndReused() throws Exception {
        ApiConfig config = ApiConfig.builder(dir).build();
        String key = ApiKeys.resolve(config);
        assertThat(key).matches("e2b_[0-9a-f]{32}");
        Path file = dir.resolve("api-key");
        assertThat(Files.readString(file).strip()).isEqualTo(key);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(ApiKeys.resolve(config)).isEqualTo(key);
    }

    /** A configured key wins, and the file is not touched. */
    @Test
    void configuredKeyWins() {
        ApiConfig config = ApiConfig.builder(dir).apiKey("e2b_abc").build();
        assertThat(ApiKeys.resolve(config)).isEqualTo("e2b_abc");
        assertThat(Files.exists(dir.resolve("api-key"))).isFalse();
    }

    /** Only the SHA-256 is stored; replacing the bootstrap key revokes the previous one. */
    @Test
    void storesHashesAndRevokesTheOldBootstrapKey() throws Exception {
        Path db = dir.resolve("cove.db");
        try (JdbcSandboxStore store = JdbcSandboxStore.openSqlite(db)) {
            ApiKeys first = ApiKeys.bootstrap(store, "e2b_1111");
            assertThat(first.isValid("e2b_1111")).isTrue();
            assertThat(first.isValid("e2b_2222")).isFalse();
            assertThat(first.isValid(null)).isFalse();
            assertThat(store.apiKeyHashes()).containsExactly(ApiKeys.hash("e2b_1111"));

            ApiKeys second = ApiKeys.bootstrap(store, "e2b_2222");
            assertThat(second.isValid("e2b_2222")).isTrue();
            assertThat(second.isValid("e2b_1111")).isFalse();
        }
        assertThat(new String(Files.readAllBytes(db), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("e2b_2222");
    }
}
