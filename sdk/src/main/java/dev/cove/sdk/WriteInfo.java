package dev.cove.sdk;

/** What a write created or replaced. */
public record WriteInfo(String name, String path, FileType type) {}
