package dev.cove.edge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace the test creates itself ({@code covetest-edge-*}), with only loopback up, and the servers a
 * sandbox user would start in it ({@code sandbox-server.py} via {@code ip netns exec}). Nothing outside it is
 * reachable from it, and the edge reaches in only by dialing inside. An HTTP/2-only server ({@code h2c-server.js} under
 * Node) stands in for a gRPC server. {@link #close()} removes every trace.
 */
final class TestNamespace implements AutoCloseable {
    final String name;
    final Path path;
    private final Path script;
    private final List<Process> servers = new ArrayList<>();
    private final List<Path> scripts = new ArrayList<>();

    TestNamespace() throws Exception {
        this("covetest-edge-");
    }

    /** A namespace named {@code <prefix><random hex>} (a test class's own prefix, so a leak shows whose it is). */
    TestNamespace(String prefix) throws Exception {
        name = prefix + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        path = Path.of("/run/netns", name);
        run("ip", "netns", "add", name);
        run("ip", "-n", name, "link", "set", "lo", "up");
        script = Files.createTempFile("sandbox-server", ".py");
        try (var in = TestNamespace.class.getResourceAsStream("/sandbox-server.py")) {
            Files.write(script, in.readAllBytes());
        }
    }

    /** Starts {@code sandbox-server.py --bind <bind> --port <port> [extra...]} inside the namespace. */
    void startServer(String bind, int port, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name, "/usr/bin/python3", script.toString(),
                "--bind", bind, "--port", String.valueOf(port)));
        cmd.addAll(List.of(extra));
        servers.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    }

    /** Starts {@code h2c-server.js <bind> <port>} (an HTTP/2-only server, like a gRPC server) inside the namespace. */
    void startH2cServer(String bind, int port) throws IOException {
        Path js = Files.createTempFile("h2c-server", ".js");
        try (var in = TestNamespace.class.getResourceAsStream("/h2c-server.js")) {
            Files.write(js, in.readAllBytes());
        }
        scripts.add(js);
        servers.add(new ProcessBuilder("ip", "netns", "exec", name, "node", js.toString(), bind, String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    }

    /** Waits until {@code port} listens inside the namespace (the socket table the edge reads, too). */
    void awaitListening(int port) throws Exception {
        String hex = String.format(":%04X ", port);
        for (int i = 0; i < 200; i++) {
            String tables = exec("cat", "/proc/net/tcp", "/proc/net/tcp6");
            for (String line : tables.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(hex.strip()) && f[3].equals("0A")) return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("nothing listens on " + port + " in " + name);
    }

    String exec(String... argv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(argv));
        return run(cmd.toArray(String[]::new));
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        for (Process p : servers) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        run("ip", "netns", "del", name);
        Files.deleteIfExists(script);
        for (Path js : scripts) Files.deleteIfExists(js);
    }
}
