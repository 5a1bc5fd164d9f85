package dev.cove.api.envd.files;

import dev.cove.core.CoveException;
import io.helidon.http.Header;
import io.helidon.http.Headers;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The file metadata of an envd upload: each {@code X-Metadata-<key>: <value>} header, the key lower-cased, with
 * envd's limits: printable US-ASCII keys and values, a key of at most 246 bytes (the VFS name limit less the
 * {@code user.e2b.} prefix), at most 4096 bytes in all (keys with that prefix, plus values). A header sent twice
 * counts once, with its first value.
 */
final class UploadMetadata {
    static final String HEADER_PREFIX = "x-metadata-";
    static final String XATTR_PREFIX = "user.e2b.";
    static final int MAX_KEY_BYTES = 246;
    static final int MAX_TOTAL_BYTES = 4096;

    private UploadMetadata() {}

    static Map<String, String> of(Headers headers) {
        Map<String, String> out = new TreeMap<>();
        int total = 0;
        for (Header h : headers) {
            String name = h.name().toLowerCase(Locale.ROOT);
            if (!name.startsWith(HEADER_PREFIX)) continue;
            String key = name.substring(HEADER_PREFIX.length());
            if (out.containsKey(key)) continue;
            String value = h.allValues().isEmpty() ? "" : h.allValues().getFirst();
            if (key.isEmpty()) throw CoveException.badRequest("metadata key is empty in header '" + h.name() + "'");
            if (!printable(key)) {
                throw CoveException.badRequest("metadata key '" + key + "' must be printable US-ASCII");
            }
            if (!printable(value)) {
                throw CoveException.badRequest("metadata value of '" + key + "' must be printable US-ASCII");
            }
            if (key.length() > MAX_KEY_BYTES) {
                throw CoveException.badRequest("metadata key '" + key.substring(0, 32) + "…' is longer than "
                        + MAX_KEY_BYTES + " bytes");
            }
            total += XATTR_PREFIX.length() + key.length() + value.getBytes(StandardCharsets.US_ASCII).length;
            if (total > MAX_TOTAL_BYTES) {
                throw CoveException.badRequest("file metadata is larger than " + MAX_TOTAL_BYTES + " bytes in all");
            }
            out.put(key, value);
        }
        return out;
    }

    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) return false;
        }
        return true;
    }
}
