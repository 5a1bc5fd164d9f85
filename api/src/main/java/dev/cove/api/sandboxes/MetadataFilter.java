package dev.cove.api.sandboxes;

import dev.cove.core.CoveException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code metadata} query filter of the list endpoints. The SDKs URL-encode each key and value, join them as
 * {@code k=v&k2=v2}, and that string is encoded again as the query value. The HTTP layer undoes the outer
 * encoding; this splits on {@code &} and {@code =} and decodes each key and value. A sandbox matches when it has
 * every pair.
 */
record MetadataFilter(Map<String, String> pairs) {
    static final MetadataFilter NONE = new MetadataFilter(Map.of());

    static MetadataFilter parse(List<String> values) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String value : values) {
            if (value.isEmpty()) continue;
            for (String pair : value.split("&", -1)) {
                if (pair.isEmpty()) continue;
                String[] kv = pair.split("=", -1);
                if (kv.length != 2 || kv[0].isEmpty()) {
                    throw CoveException.badRequest("Error parsing metadata: expected key=value pairs joined by '&' "
                            + "(each key and value URL-encoded), got '" + pair + "'");
                }
                pairs.put(decode(kv[0]), decode(kv[1]));
            }
        }
        return pairs.isEmpty() ? NONE : new MetadataFilter(Map.copyOf(pairs));
    }

    boolean matches(Map<String, String> metadata) {
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            if (!e.getValue().equals(metadata.get(e.getKey()))) return false;
        }
        return true;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw CoveException.badRequest("Error parsing metadata: '" + s + "' is not valid URL encoding");
        }
    }
}
