package dev.cove.api.envd;

/**
 * One agent API request: which sandbox, as which user, and the Connect call options.
 *
 * @param sandboxId       the sandbox
 * @param user            {@code root} or {@code user}
 * @param timeoutMillis   Connect-Timeout-Ms, 0 when absent
 * @param keepaliveMillis Keepalive-Ping-Interval in milliseconds
 */
record EnvdCall(String sandboxId, String user, long timeoutMillis, long keepaliveMillis) {

    String home() { return user.equals("root") ? "/root" : "/home/" + user; }

    /** A path as the SDKs send it: absolute, {@code ~}-relative, or relative to the user's home. */
    String absolute(String path) {
        if (path == null || path.isEmpty()) return home();
        if (path.startsWith("/")) return path;
        if (path.equals("~")) return home();
        if (path.startsWith("~/")) return home() + path.substring(1);
        return home() + "/" + path;
    }
}
