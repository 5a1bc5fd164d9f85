package dev.cove.api.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;

/** A response as tests look at it. */
public record Resp(int status, String body, HttpHeaders headers) {
    public JsonNode json() {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON (" + status + "): " + body, e);
        }
    }

    public String header(String name) { return headers.firstValue(name).orElse(null); }

    @Override
    public String toString() { return status + " " + body; }
}
