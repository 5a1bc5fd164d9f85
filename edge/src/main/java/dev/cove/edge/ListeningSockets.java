package dev.cove.edge;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The TCP listeners of a network namespace, read from {@code /proc/.../net/tcp} and {@code tcp6}: the same table
 * {@code ss -ltn} shows. The edge reads it when a dial is refused, to say exactly what does listen.
 */
record ListeningSockets(List<Listener> listeners) {
    private static final String LISTEN = "0A";

    /** One listening socket: its local address ({@code 0.0.0.0}, {@code ::}, {@code 127.0.0.1}, ...) and port. */
    record Listener(InetAddress address, int port) {
        boolean reachableByLoopback() {
            return address.isAnyLocalAddress() || address.isLoopbackAddress();
        }

        @Override
        public String toString() {
            String host = address.getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** Reads the tables of the calling thread's network namespace ({@code /proc/thread-self/net}). */
    static ListeningSockets ofCurrentThread() throws IOException {
        return read(Path.of("/proc/thread-self/net/tcp"), Path.of("/proc/thread-self/net/tcp6"));
    }

    static ListeningSockets read(Path tcp, Path tcp6) throws IOException {
        List<Listener> found = new ArrayList<>();
        parse(tcp, found);
        parse(tcp6, found); // absent when IPv6 is disabled
        return new ListeningSockets(List.copyOf(found));
    }

    private static void parse(Path table, List<Listener> into) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (NoSuchFileException absent) {
            return;
        }
        for (int i = 1; i < lines.size(); i++) { // line 0 is the header
            Listener listener = parseLine(lines.get(i));
            if (listener != null) into.add(listener);
        }
    }

    /** {@code "  0: 0100007F:0BB8 00000000:0000 0A ..."} → 127.0.0.1:3000, or null when not listening. */
    static Listener parseLine(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 4 || !f[3].equals(LISTEN)) return null;
        int colon = f[1].indexOf(':');
        if (colon < 0) return null;
        try {
            return new Listener(address(f[1].substring(0, colon)), Integer.parseInt(f[1].substring(colon + 1), 16));
        } catch (NumberFormatException | UnknownHostException malformed) {
            return null;
        }
    }

    /** The kernel prints each 32-bit word of the address in host byte order (little-endian here). */
    private static InetAddress address(String hex) throws UnknownHostException {
        if (hex.length() != 8 && hex.length() != 32) throw new UnknownHostException(hex);
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = word * 8 + (3 - b) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(hex, at, at + 2, 16);
            }
        }
        return InetAddress.getByAddress(bytes);
    }

    /** Listeners on {@code port}. */
    List<Listener> on(int port) {
        return listeners.stream().filter(l -> l.port() == port).toList();
    }

    /** Every listening port, ascending. */
    SortedSet<Integer> ports() {
        SortedSet<Integer> ports = new TreeSet<>();
        listeners.forEach(l -> ports.add(l.port()));
        return ports;
    }
}
