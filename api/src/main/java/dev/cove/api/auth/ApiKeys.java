package dev.cove.api.auth;

import dev.cove.api.ApiConfig;
import dev.cove.api.store.SandboxStore;
import dev.cove.core.CoveException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * API keys: E2B's format {@code e2b_<hex>}, stored as SHA-256 only, checked in constant time.
 * The server's own key comes from {@code COVE_API_KEY} or else from {@code <dataDir>/api-key} (generated once,
 * mode 0600, reused on every restart).
 */
public final class ApiKeys {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);
    /** What the E2B SDKs (git 2.45) accept unless told not to validate. */
    public static final Pattern FORMAT = Pattern.compile("^e2b_[0-9a-f]+$");
    public static final String KEY_FILE = "api-key";
    /** Source name of the key given by configuration; replacing it revokes the previous one. */
    static final String BOOTSTRAP = "bootstrap";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SandboxStore store;
    private volatile List<byte[]> hashes;

    private ApiKeys(SandboxStore store) {
        this.store = store;
        reload();
    }

    /**
     * Makes {@code key} the store's bootstrap key (revoking a previous bootstrap key) and returns the checker.
     */
    public static ApiKeys bootstrap(SandboxStore store, String key) {
        store.replaceApiKeys(BOOTSTRAP, hash(key), Instant.now());
        return new ApiKeys(store);
    }

    /** Re-reads the accepted hashes from the store (after keys were added or revoked). */
    public void reload() {
        HexFormat hex = HexFormat.of();
        hashes = store.apiKeyHashes().stream().map(hex::parseHex).toList();
    }

    /** True when {@code presented} is an accepted key. Hashes first, then compares every hash in constant time. */
    public boolean isValid(String presented) {
        if (presented == null) return false;
        byte[] digest = sha256(presented);
        boolean match = false;
        for (byte[] accepted : hashes) match |= MessageDigest.isEqual(accepted, digest);
        return match;
    }

    /** A key just made: the only time its value is shown. */
    public record NewKey(SandboxStore.ApiKeyRow row, String key) {}

    /** Keys made through the API carry this source. */
    static final String API = "api";
    private static final int MAX_NAME = 100;

    /** Every accepted key, listed without its value. */
    public List<SandboxStore.ApiKeyRow> list() { return store.apiKeys(); }

    /** Makes a new key named {@code name}; it is accepted at once. */
    public NewKey create(String name) {
        String n = name == null ? "" : name.strip();
        if (n.isEmpty() || n.length() > MAX_NAME || n.chars().anyMatch(Character::isISOControl)) {
            throw CoveException.badRequest("name must be 1 to " + MAX_NAME + " printable characters");
        }
        String key = generate();
        byte[] idBytes = new byte[8];
        RANDOM.nextBytes(idBytes);
        SandboxStore.ApiKeyRow row = new SandboxStore.ApiKeyRow("key_" + HexFormat.of().formatHex(idBytes), n, API,
                key.substring(0, 8) + "…" + key.substring(key.length() - 4), Instant.now().truncatedTo(ChronoUnit.MILLIS));
        store.insertApiKey(row, hash(key));
        reload();
        LOG.info("API key {} ({}) created", row.id(), row.name());
        return new NewKey(row, key);
    }

    /**
     * Revokes a key made through the API; it is refused at once. The server's own key cannot be revoked here (it
     * comes from COVE_API_KEY or the api-key file: change it there and restart).
     */
    public void revoke(String id) {
        SandboxStore.ApiKeyRow row = store.apiKeys().stream().filter(k -> k.id().equals(id)).findFirst()
                .orElseThrow(() -> CoveException.notFound("api_key_not_found", "There is no API key " + id));
        if (BOOTSTRAP.equals(row.source())) {
            throw new CoveException(409, "conflict", "API key " + id + " is the server's own key (COVE_API_KEY "
                    + "or <data dir>/api-key); change it there and restart the server");
        }
        store.deleteApiKey(id);
        reload();
        LOG.info("API key {} ({}) revoked", id, row.name());
    }

    /** A new key in E2B's format: {@code e2b_} + 32 hex digits (128 random bits). */
    public static String generate() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return "e2b_" + HexFormat.of().formatHex(bytes);
    }

    /** SHA-256 of the key as lower-case hex: what the store keeps. */
    public static String hash(String key) { return HexFormat.of().formatHex(sha256(key)); }

    /**
     * The key this server accepts: {@link ApiConfig#apiKey()} when set (from {@code COVE_API_KEY}), else the one
     * in {@code <dataDir>/api-key}, generated and written (mode 0600) on first start.
     */
    public static String resolve(ApiConfig config) {
        if (config.apiKey() != null) return config.apiKey();
        Path file = config.dataDir().resolve(KEY_FILE);
        try {
            if (Files.exists(file)) {
                String stored = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!stored.isEmpty()) {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                    return stored;
                }
                Files.delete(file);
            }
            Files.createDirectories(config.dataDir());
            String key = generate();
            Path tmp = Files.createTempFile(config.dataDir(), ".api-key", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, key + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("Generated a new API key in {}", file);
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the API key file " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
