package dev.cove.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.api.Json;
import dev.cove.core.CoveException;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request's JSON object body with typed, strict field access: wrong types are refused with E2B's
 * {@code 400 "Error when parsing request: ..."} instead of being coerced ("15" is not a number, 1.5 is not an
 * integer). JSON {@code null} counts as absent. Unknown fields are ignored.
 */
public final class JsonBody {
    /** Largest body accepted (create bodies with big env vars stay far below). */
    public static final int MAX_BYTES = 4 * 1024 * 1024;
    private final ObjectNode node;

    private JsonBody(ObjectNode node) { this.node = node; }

    /** The body, which must be a JSON object. */
    public static JsonBody required(ServerRequest req) {
        byte[] bytes = read(req);
        if (bytes.length == 0 || isBlank(bytes)) {
            throw parseError("the request body is empty; send a JSON object");
        }
        return parse(bytes);
    }

    /** The body as a JSON object, or an empty one when the request has none. */
    public static JsonBody optional(ServerRequest req) {
        byte[] bytes = read(req);
        if (bytes.length == 0 || isBlank(bytes)) return new JsonBody(Json.object());
        return parse(bytes);
    }

    public static JsonBody parse(byte[] bytes) {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw parseError("malformed JSON: " + e.getOriginalMessage() + where);
        } catch (IOException e) {
            throw parseError("cannot read the body: " + e.getMessage());
        }
        if (tree == null || tree.isMissingNode()) throw parseError("the request body is empty; send a JSON object");
        if (!tree.isObject()) throw parseError("the body must be a JSON object, got " + describe(tree));
        return new JsonBody((ObjectNode) tree);
    }

    public static CoveException parseError(String detail) {
        return CoveException.badRequest("Error when parsing request: " + detail);
    }

    /** True when the field is present and not null. */
    public boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    /** The raw value, or null when absent or null. */
    public JsonNode raw(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    public String string(String field) { return string(node, field, field); }

    public Boolean bool(String field) { return bool(node, field, field); }

    /** A 32-bit integer (E2B's int32), or null when absent. */
    public Integer int32(String field) { return int32(node, field, field); }

    public Map<String, String> stringMap(String field) { return stringMap(node, field, field); }

    public List<String> stringList(String field) { return stringList(node, field, field); }

    /** A nested object, or null when absent. */
    public JsonBody object(String field) {
        JsonNode v = raw(field);
        if (v == null) return null;
        if (!v.isObject()) throw wrongType(field, "an object", v);
        return new JsonBody((ObjectNode) v);
    }

    /** Same accessors for a nested object; {@code path} names the field in messages, e.g. {@code network.allowOut}. */
    public String string(String field, String path) { return string(node, field, path); }

    public Boolean bool(String field, String path) { return bool(node, field, path); }

    public List<String> stringList(String field, String path) { return stringList(node, field, path); }

    public Map<String, String> stringMap(String field, String path) { return stringMap(node, field, path); }

    public Integer int32(String field, String path) { return int32(node, field, path); }

    public JsonBody object(String field, String path) {
        JsonNode v = raw(field);
        if (v == null) return null;
        if (!v.isObject()) throw wrongType(path, "an object", v);
        return new JsonBody((ObjectNode) v);
    }

    public boolean isEmpty() { return node.isEmpty(); }

    private static String string(ObjectNode node, String field, String path) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw wrongType(path, "a string", v);
        return v.textValue();
    }

    private static Boolean bool(ObjectNode node, String field, String path) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isBoolean()) throw wrongType(path, "true or false", v);
        return v.booleanValue();
    }

    private static Integer int32(ObjectNode node, String field, String path) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw wrongType(path, "an integer", v);
        if (!v.isIntegralNumber()) {
            // 15.0 is still an integer in JSON's eyes; 1.5 is not.
            if (v.isFloatingPointNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0) {
                return checkedInt(v.decimalValue().toBigIntegerExact(), path);
            }
            throw wrongType(path, "an integer", v);
        }
        return checkedInt(v.bigIntegerValue(), path);
    }

    private static Integer checkedInt(BigInteger value, String path) {
        if (value.bitLength() >= 32) {
            throw parseError("field '" + path + "' is out of range: " + value
                    + " does not fit a 32-bit integer (" + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE + ")");
        }
        return value.intValue();
    }

    private static Map<String, String> stringMap(ObjectNode node, String field, String path) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isObject()) throw wrongType(path, "an object of string values", v);
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isTextual()) {
                throw wrongType(path + "." + e.getKey(), "a string", e.getValue());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static List<String> stringList(ObjectNode node, String field, String path) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isArray()) throw wrongType(path, "an array of strings", v);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (!item.isTextual()) throw wrongType(path + "[" + i + "]", "a string", item);
            out.add(item.textValue());
        }
        return List.copyOf(out);
    }

    private static CoveException wrongType(String path, String expected, JsonNode actual) {
        return parseError("field '" + path + "' must be " + expected + ", got " + describe(actual));
    }

    private static String describe(JsonNode v) {
        JsonNodeType type = v.getNodeType();
        return switch (type) {
            case STRING -> "a string";
            case NUMBER -> "the number " + v.asText();
            case BOOLEAN -> v.asText();
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> type.name().toLowerCase(Locale.ROOT);
        };
    }

    private static byte[] read(ServerRequest req) {
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > MAX_BYTES) throw tooLarge();
        if (!req.content().hasEntity()) return new byte[0];
        try (InputStream in = req.content().inputStream()) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) throw tooLarge();
            return bytes;
        } catch (IOException e) {
            throw parseError("cannot read the body: " + e.getMessage());
        }
    }

    private static CoveException tooLarge() {
        return new CoveException(413, "body_too_large",
                "Request body too large: at most " + (MAX_BYTES / (1024 * 1024)) + " MiB are accepted");
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return false;
        return true;
    }
}
