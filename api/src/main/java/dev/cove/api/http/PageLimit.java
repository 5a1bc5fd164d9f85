package dev.cove.api.http;

import dev.cove.core.CoveException;

/** E2B's {@code limit} query parameter of paged lists: 1 to the list's maximum, the maximum when not sent. */
public final class PageLimit {
    private PageLimit() {}

    /** The limit {@code value} asks for; 400 saying the range when it is not an integer within it. */
    public static int parse(String value, int max) {
        if (value == null || value.isBlank()) return max;
        int limit;
        try {
            limit = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > max) {
            throw CoveException.badRequest("Error when parsing request: limit must be an integer between 1 and "
                    + max + ", got '" + value + "'");
        }
        return limit;
    }
}
