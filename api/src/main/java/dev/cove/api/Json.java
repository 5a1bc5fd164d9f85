package dev.cove.api;

import dev.cove.core.text.ControlCharacters;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The module's one Jackson mapper (thread-safe once configured) and small helpers around it. */
public final class Json {
    /**
     * Strict about syntax (duplicate keys, trailing tokens) so malformed bodies are refused clearly; lenient
     * about unknown fields, which newer clients send.
     */
    public static final ObjectMapper MAPPER = new ObjectMapper(ControlCharacters.jsonFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {}

    public static ObjectNode object() { return MAPPER.createObjectNode(); }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    public static String string(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
