package dev.cove.sdk.files;

/** What a write created or replaced. */
public record WriteInfo(String name, String path, FileType type) {}
