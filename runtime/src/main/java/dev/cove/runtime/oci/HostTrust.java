package dev.cove.runtime.oci;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a sandbox that trusts the host gets ({@link dev.cove.core.runtime.SandboxSpec#trustHost}): the host's CA bundle
 * bind-mounted read-only at {@link #PATH} (where networks re-sign TLS with their own CA, the host's store has it and a
 * template's does not), the variables that point the usual tools at it, and the node's proxy variables. The bundle is
 * public certificates only; it is mounted, never written into the sandbox's files, so no layer captures it.
 */
public final class HostTrust {
    /** Debian's bundle of every CA the host trusts ({@code update-ca-certificates}). */
    public static final Path BUNDLE = Path.of("/etc/ssl/certs/ca-certificates.crt");
    /** Where the sandbox sees it. */
    public static final String PATH = "/run/cove/host-ca.crt";
    private static final List<String> CA_VARIABLES = List.of("SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE", "PIP_CERT", "GIT_SSL_CAINFO", "npm_config_cafile");
    private static final List<String> PROXY_VARIABLES = List.of("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
            "http_proxy", "https_proxy", "no_proxy", "all_proxy");

    private HostTrust() {}

    public static boolean available() { return Files.isRegularFile(BUNDLE); }

    /** The variables, under the sandbox's own ({@code own} wins). */
    public static Map<String, String> environment(Map<String, String> own, Map<String, String> node) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String v : CA_VARIABLES) env.put(v, PATH);
        for (String v : PROXY_VARIABLES) {
            String value = node.get(v);
            if (value != null && !value.isBlank()) env.put(v, value);
        }
        env.putAll(own);
        return env;
    }
}
