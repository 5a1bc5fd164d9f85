package dev.cove.sdk;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What listens inside a sandbox. Read from the sandbox's own socket tables ({@code /proc/net/tcp} and
 * {@code /proc/net/tcp6}) through a command, so it sees every listener of the sandbox's network namespace,
 * whoever started it.
 */
public final class Ports {
    private static final String LISTEN = "0A";
    private final Sandbox sandbox;

    Ports(Sandbox sandbox) { this.sandbox = sandbox; }

    /** TCP listeners, by port then address. */
    public List<ListeningPort> listening() {
        String tables = sandbox.commands()
                .run("cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; true")
                .stdout();
        return parse(tables);
    }

    /** True when something listens on {@code port} (any address). */
    public boolean isListening(int port) {
        return listening().stream().anyMatch(p -> p.port() == port);
    }

    static List<ListeningPort> parse(String tables) {
        Set<ListeningPort> out = new LinkedHashSet<>();
        for (String line : tables.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4 || !f[0].endsWith(":") || !LISTEN.equals(f[3])) continue;
            String[] local = f[1].split(":");
            if (local.length != 2) continue;
            try {
                out.add(new ListeningPort(Integer.parseInt(local[1], 16), address(local[0])));
            } catch (NumberFormatException e) {
                // a line of another shape: skip
            }
        }
        List<ListeningPort> sorted = new ArrayList<>(out);
        sorted.sort(Comparator.comparingInt(ListeningPort::port).thenComparing(ListeningPort::address));
        return sorted;
    }

    /** /proc/net/tcp{,6} write addresses as 32-bit words in host (little-endian) order. */
    static String address(String hex) {
        if (hex.length() == 8) {
            long v = Long.parseLong(hex, 16);
            return (v & 0xff) + "." + ((v >> 8) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 24) & 0xff);
        }
        if (hex.length() != 32) throw new NumberFormatException(hex);
        int[] groups = new int[8];
        for (int w = 0; w < 4; w++) {
            long v = Long.parseLong(hex.substring(w * 8, w * 8 + 8), 16);
            int b0 = (int) (v & 0xff), b1 = (int) ((v >> 8) & 0xff), b2 = (int) ((v >> 16) & 0xff), b3 = (int) ((v >> 24) & 0xff);
            groups[w * 2] = (b0 << 8) | b1;
            groups[w * 2 + 1] = (b2 << 8) | b3;
        }
        return compress(groups);
    }

    private static String compress(int[] g) {
        // RFC 5952: the longest run (2+) of zero groups becomes "::".
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        // IPv4-mapped (::ffff:a.b.c.d) reads better in dotted form.
        if (bestStart == 0 && bestLen == 5 && g[5] == 0xffff) {
            return "::ffff:" + (g[6] >> 8) + "." + (g[6] & 0xff) + "." + (g[7] >> 8) + "." + (g[7] & 0xff);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(g[i]).toLowerCase(Locale.ROOT));
        }
        return sb.toString();
    }
}
