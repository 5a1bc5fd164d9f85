package dev.cove.sdk.code;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.internal.Json;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One result of an execution (E2B's {@code Result}): the Jupyter MIME bundle of a value the code produced, each
 * representation by name. Images ({@code png}, {@code jpeg}) and {@code pdf} are base64 text; {@code json} and
 * {@code data} (a DataFrame's columns) are JSON; MIME types without a name of their own are in {@link #extra()}.
 * {@link #isMainResult()} is true for the value of the cell's last expression, false for what it displayed.
 */
public final class Result {
    private static final Set<String> NAMED = Set.of("type", "is_main_result", "text", "html", "markdown", "svg",
            "png", "jpeg", "pdf", "latex", "json", "javascript", "data", "chart", "extra");

    private final JsonNode raw;
    private final Chart chart;
    private final Map<String, JsonNode> extra = new LinkedHashMap<>();

    Result(JsonNode raw) {
        this.raw = raw;
        this.chart = Chart.of(raw.get("chart"));
        JsonNode e = raw.get("extra");
        if (e != null && e.isObject()) e.fields().forEachRemaining(f -> extra.put(f.getKey(), f.getValue()));
        for (Iterator<Map.Entry<String, JsonNode>> it = raw.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!NAMED.contains(f.getKey())) extra.put(f.getKey(), f.getValue());
        }
    }

    public boolean isMainResult() { return raw.path("is_main_result").asBoolean(false); }

    public String text() { return Json.text(raw, "text"); }

    public String html() { return Json.text(raw, "html"); }

    public String markdown() { return Json.text(raw, "markdown"); }

    public String svg() { return Json.text(raw, "svg"); }

    /** Base64 PNG. */
    public String png() { return Json.text(raw, "png"); }

    /** Base64 JPEG. */
    public String jpeg() { return Json.text(raw, "jpeg"); }

    /** Base64 PDF. */
    public String pdf() { return Json.text(raw, "pdf"); }

    public String latex() { return Json.text(raw, "latex"); }

    public JsonNode json() { return raw.get("json"); }

    public String javascript() { return Json.text(raw, "javascript"); }

    /** A pandas DataFrame's columns ({@code {"column": [values...]}}), or null. */
    public JsonNode data() { return raw.get("data"); }

    /** The typed chart of a matplotlib figure, or null. */
    public Chart chart() { return chart; }

    /** MIME types without a field of their own, by type. */
    public Map<String, JsonNode> extra() { return extra; }

    /** The names of the representations present besides {@code text} (E2B's {@code formats()}). */
    public List<String> formats() {
        List<String> out = new ArrayList<>();
        for (String f : List.of("html", "markdown", "svg", "png", "jpeg", "pdf", "latex", "json", "javascript", "data",
                "chart")) {
            JsonNode v = raw.get(f);
            if (v != null && !v.isNull()) out.add(f);
        }
        out.addAll(extra.keySet());
        return out;
    }

    /** The whole result as the server sent it. */
    public JsonNode raw() { return raw; }

    @Override
    public String toString() { return text() != null ? "Result(" + text() + ")" : "Result with formats " + formats(); }
}
