package dev.cove.api.envd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cove.core.text.ControlCharacters;
import dev.cove.core.CoveException;

import java.io.IOException;

/**
 * Proto3 JSON as protojson writes and reads it, for the typed message records in {@link Messages}: default
 * values are left out (0, false, "", empty lists and maps), int64 fields are strings (annotated per field), enums
 * by name, bytes as base64; on input, unknown fields are ignored and snake_case names are accepted (aliases).
 */
final class EnvdJson {
    static final ObjectMapper MAPPER = new ObjectMapper(ControlCharacters.jsonFactory())
            .setDefaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_DEFAULT,
                    JsonInclude.Include.NON_DEFAULT))
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

    private EnvdJson() {}

    static byte[] write(Object message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + message.getClass().getSimpleName(), e);
        }
    }

    static <T> T read(byte[] json, Class<T> type) {
        try {
            if (json.length == 0) json = "{}".getBytes();
            return MAPPER.readValue(json, type);
        } catch (JacksonException e) {
            throw new CoveException(400, "invalid_argument", "cannot parse " + type.getSimpleName() + ": "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new CoveException(400, "invalid_argument", "cannot parse " + type.getSimpleName() + ": " + e.getMessage());
        }
    }
}
