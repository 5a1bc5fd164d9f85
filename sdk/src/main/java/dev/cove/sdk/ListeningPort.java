package dev.cove.sdk;

/**
 * A TCP port something listens on inside a sandbox. {@code address} is where it is bound: {@code 0.0.0.0} or
 * {@code ::} (all addresses), or a specific one such as {@code 127.0.0.1}. Cove's edge reaches all of them.
 */
public record ListeningPort(int port, String address) {}
