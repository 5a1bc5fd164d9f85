package dev.cove.sdk.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The SDK's one Jackson mapper and the few JSON helpers its hand-written wire types need. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {}

    public static ObjectNode object() { return MAPPER.createObjectNode(); }

    public static JsonNode parse(byte[] bytes) {
        try {
            return bytes.length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + e.getMessage(), e);
        }
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    public static int integer(JsonNode n, String field, int fallback) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? fallback : v.asInt(fallback);
    }

    /** An integer field, or null when absent, null or not a number. */
    public static Integer optionalInteger(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return null;
        if (v.isIntegralNumber()) return v.asInt();
        if (v.isTextual()) {
            try {
                return Integer.valueOf(v.asText().strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    public static long int64(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? 0 : v.asLong(); // protojson sends int64 as a string; asLong parses both
    }

    public static boolean bool(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.asBoolean(false);
    }

    public static Instant instant(JsonNode n, String field) {
        String s = text(n, field);
        if (s == null || s.isEmpty()) return null;
        return OffsetDateTime.parse(s).toInstant();
    }

    public static Map<String, String> stringMap(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isObject()) return Map.of();
        Map<String, String> m = new LinkedHashMap<>();
        v.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return Collections.unmodifiableMap(m);
    }
}
