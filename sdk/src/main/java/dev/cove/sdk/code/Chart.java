package dev.cove.sdk.code;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.internal.Json;

import java.util.ArrayList;
import java.util.List;

/**
 * A chart read from a matplotlib figure (E2B's {@code chart} result field). {@link #type()} is {@code line},
 * {@code scatter}, {@code bar}, {@code pie}, {@code box_and_whisker}, {@code superchart} or {@code unknown};
 * {@link #elements()} holds the data in the shape of that type (points per series, bars, wedges, boxes, or for a
 * superchart the charts of its axes, see {@link #charts()}); {@link #raw()} is the whole object as sent.
 */
public record Chart(String type, String title, String xLabel, String yLabel, String xUnit, String yUnit,
                    JsonNode elements, JsonNode raw) {

    static Chart of(JsonNode n) {
        if (n == null || !n.isObject() || n.isEmpty()) return null;
        return new Chart(Json.text(n, "type"), Json.text(n, "title"), Json.text(n, "x_label"), Json.text(n, "y_label"),
                Json.text(n, "x_unit"), Json.text(n, "y_unit"), n.get("elements"), n);
    }

    /** The charts of a superchart's axes; empty for any other type. */
    public List<Chart> charts() {
        List<Chart> out = new ArrayList<>();
        if ("superchart".equals(type) && elements != null) for (JsonNode e : elements) out.add(of(e));
        return out;
    }
}
