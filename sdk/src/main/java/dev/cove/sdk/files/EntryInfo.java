package dev.cove.sdk.files;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.sdk.internal.Json;

import java.time.Instant;
import java.util.Map;

/**
 * A file, directory or symlink in a sandbox. {@code mode} holds the permission bits ({@code 0644}),
 * {@code permissions} their {@code ls -l} form, {@code symlinkTarget} is null unless a symlink.
 */
public record EntryInfo(String name, FileType type, String path, long size, int mode, String permissions,
                        String owner, String group, Instant modifiedTime, String symlinkTarget,
                        Map<String, String> metadata) {

    static EntryInfo of(JsonNode n) {
        return new EntryInfo(Json.text(n, "name"), FileType.of(Json.text(n, "type")), Json.text(n, "path"),
                Json.int64(n, "size"), Json.integer(n, "mode", 0), Json.text(n, "permissions"), Json.text(n, "owner"),
                Json.text(n, "group"), Json.instant(n, "modifiedTime"), Json.text(n, "symlinkTarget"),
                Json.stringMap(n, "metadata"));
    }
}
