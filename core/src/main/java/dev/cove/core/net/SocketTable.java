package dev.cove.core.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The TCP listeners of a network namespace, read from {@code /proc/.../net/tcp} and {@code tcp6}: the same table
 * {@code ss -ltn} shows. The edge reads it (on a thread inside the namespace) when a dial is refused, to say exactly
 * what does listen; the ports API reads it through a sandbox process's {@code /proc/<pid>/net} and adds which
 * process owns each socket.
 */
public record SocketTable(List<Listener> listeners) {
    private static final String LISTEN = "0A";

    /**
     * One listening socket.
     *
     * @param address its local address ({@code 0.0.0.0}, {@code ::}, {@code 127.0.0.1}, ...)
     * @param port    its port
     * @param inode   the socket's inode (links it to the process holding it), 0 when unknown
     */
    public record Listener(InetAddress address, int port, long inode) {
        public boolean reachableByLoopback() {
            return address.isAnyLocalAddress() || address.isLoopbackAddress();
        }

        public boolean ipv6() { return address.getAddress().length == 16; }

        /** The address as people write it: dotted IPv4, IPv6 in its short form (RFC 5952: {@code ::1}, not 0:0:…:1). */
        public String addressText() { return text(address); }

        @Override
        public String toString() {
            String host = addressText();
            return (ipv6() ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** A listener with the process that holds it (null fields when no process of the namespace could be found). */
    public record Owned(Listener listener, Long pid, String command) {}

    /** Reads the tables of the calling thread's network namespace ({@code /proc/thread-self/net}). */
    public static SocketTable ofCurrentThread() throws IOException {
        return read(Path.of("/proc/thread-self/net/tcp"), Path.of("/proc/thread-self/net/tcp6"));
    }

    /** Reads the tables of the network namespace that host process {@code pid} is in. */
    public static SocketTable ofProcess(long pid) throws IOException {
        return read(Path.of("/proc/" + pid + "/net/tcp"), Path.of("/proc/" + pid + "/net/tcp6"));
    }

    public static SocketTable read(Path tcp, Path tcp6) throws IOException {
        List<Listener> found = new ArrayList<>();
        parse(tcp, found);
        parse(tcp6, found); // absent when IPv6 is disabled
        found.sort(Comparator.comparingInt(Listener::port).thenComparing(l -> l.address().getAddress().length));
        return new SocketTable(List.copyOf(found));
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

    /** {@code "  0: 0100007F:0BB8 00000000:0000 0A ... <inode> ..."} → 127.0.0.1:3000, or null when not listening. */
    public static Listener parseLine(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 4 || !f[3].equals(LISTEN)) return null;
        int colon = f[1].indexOf(':');
        if (colon < 0) return null;
        try {
            long inode = f.length > 9 ? Long.parseLong(f[9]) : 0;
            return new Listener(address(f[1].substring(0, colon)), Integer.parseInt(f[1].substring(colon + 1), 16), inode);
        } catch (NumberFormatException | UnknownHostException malformed) {
            return null;
        }
    }

    /** RFC 5952 text of an address: the longest run of two or more zero groups becomes {@code ::}, lower case. */
    public static String text(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) return address.getHostAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        return Ipv6Text.of(g);
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
    public List<Listener> on(int port) {
        return listeners.stream().filter(l -> l.port() == port).toList();
    }

    /** Every listening port, ascending. */
    public SortedSet<Integer> ports() {
        SortedSet<Integer> ports = new TreeSet<>();
        listeners.forEach(l -> ports.add(l.port()));
        return ports;
    }

    /**
     * The listeners of the network namespace of host process {@code memberPid}, each with the process holding it:
     * the processes in that namespace are found through {@code /proc/<pid>/ns/net}, their sockets through
     * {@code /proc/<pid>/fd}. Pids are the ones the sandbox sees (the last {@code NSpid} field).
     */
    public static List<Owned> owners(long memberPid) throws IOException {
        SocketTable table = ofProcess(memberPid);
        if (table.listeners().isEmpty()) return List.of();
        return owners(table, memberPid);
    }

    /**
     * {@link #owners(long)} for a table already read. Finding the owners walks every process of the host: callers that
     * only need ports and addresses (polling loops) read {@link #ofProcess} alone.
     */
    public static List<Owned> owners(SocketTable table, long memberPid) throws IOException {
        Map<Long, Listener> byInode = new HashMap<>();
        table.listeners().forEach(l -> { if (l.inode() != 0) byInode.put(l.inode(), l); });
        Map<Long, long[]> owner = new HashMap<>(); // inode → {pid on the host, pid in the sandbox}
        String netns = Files.readSymbolicLink(Path.of("/proc/" + memberPid + "/ns/net")).toString();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> isNumber(p.getFileName().toString()))) {
            for (Path proc : procs) {
                if (owner.size() == byInode.size()) break;
                try {
                    if (!Files.readSymbolicLink(proc.resolve("ns/net")).toString().equals(netns)) continue;
                    try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                        for (Path fd : fds) {
                            String target = readLinkOrNull(fd);
                            if (target == null || !target.startsWith("socket:[")) continue;
                            long inode = Long.parseLong(target, 8, target.length() - 1, 10);
                            if (byInode.containsKey(inode) && !owner.containsKey(inode)) {
                                long hostPid = Long.parseLong(proc.getFileName().toString());
                                owner.put(inode, new long[]{hostPid, sandboxPid(proc, hostPid)});
                            }
                        }
                    }
                } catch (IOException | NumberFormatException gone) {
                    // the process ended while we looked, or is not ours to read: skip it
                }
            }
        }
        List<Owned> out = new ArrayList<>();
        for (Listener l : table.listeners()) {
            long[] pids = owner.get(l.inode());
            out.add(pids == null ? new Owned(l, null, null) : new Owned(l, pids[1], command(pids[0])));
        }
        return out;
    }

    private static boolean isNumber(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) if (!Character.isDigit(name.charAt(i))) return false;
        return true;
    }

    private static String readLinkOrNull(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static long sandboxPid(Path proc, long hostPid) throws IOException {
        for (String line : Files.readAllLines(proc.resolve("status"))) {
            if (line.startsWith("NSpid:")) {
                String[] f = line.substring(6).trim().split("\\s+");
                return Long.parseLong(f[f.length - 1]);
            }
        }
        return hostPid;
    }

    private static String command(long hostPid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc/" + hostPid + "/cmdline"));
            int end = raw.length;
            while (end > 0 && raw[end - 1] == 0) end--;
            // argv is UTF-8 in practice; read byte by byte, every continuation byte became a C1 control
            String cmd = new String(raw, 0, end, StandardCharsets.UTF_8).replace('\0', ' ');
            return cmd.length() > 200 ? cmd.substring(0, 200) + "…" : cmd;
        } catch (IOException e) {
            return null;
        }
    }
}
