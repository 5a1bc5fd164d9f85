package dev.cove.api.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL (Debian's {@code postgresql} package) for one test class: {@code initdb} in a fresh directory
 * owned by the {@code postgres} user, listening on a free loopback port and a socket in that directory only,
 * started and stopped with {@code pg_ctl}; {@link #close()} stops it and deletes the directory. {@link #stop()} and
 * {@link #start()} let a test take the database away for a while.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String USER = "cove";
    /** Has a character that needs percent-encoding in the URL, and must never appear in a log. */
    public static final String PASSWORD = "pw-Secret/42";
    public static final String DATABASE = "cove";

    private final Path dir;
    private final int port;

    private PostgresServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Whether this machine has PostgreSQL's server binaries (./cove install --with-test-tools installs them). */
    public static boolean installed() { return bin().isPresent(); }

    private static java.util.Optional<Path> bin() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.naturalOrder());
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    public static PostgresServer start(String name) throws Exception {
        Path dir = Files.createTempDirectory("covecl-pg-" + name + "-");
        run(List.of("chown", "postgres:postgres", dir.toString()));
        Path pwfile = dir.resolve("pwfile");
        Files.writeString(pwfile, PASSWORD + "\n");
        run(List.of("chown", "postgres:postgres", pwfile.toString()));
        asPostgres(List.of(bin().orElseThrow().resolve("initdb").toString(), "-D", dir.resolve("data").toString(),
                "-U", USER, "--pwfile", pwfile.toString(), "-A", "scram-sha-256", "--no-sync", "-E", "UTF8"));
        Files.delete(pwfile);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        PostgresServer pg = new PostgresServer(dir, port);
        pg.start();
        pg.psql("CREATE DATABASE " + DATABASE);
        return pg;
    }

    /** Starts (again) the server on its port. */
    public void start() throws Exception {
        asPostgres(List.of(bin().orElseThrow().resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                "-l", dir.resolve("server.log").toString(), "-w", "-t", "60", "-o",
                "-c listen_addresses=127.0.0.1 -c port=" + port + " -c unix_socket_directories=" + dir
                        + " -c fsync=off -c max_connections=100", "start"));
    }

    /** Stops the server at once (fast shutdown: open connections are cut, as when the database goes away). */
    public void stop() throws Exception {
        asPostgres(List.of(bin().orElseThrow().resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                "-m", "fast", "-w", "stop"));
    }

    /** Whether the server runs (it may have been stopped by {@link #stop()}). */
    public boolean running() { return Files.exists(dir.resolve("data/postmaster.pid")); }

    public int port() { return port; }

    /** The value of {@code cove server --store}. */
    public String url() {
        return "postgresql://" + USER + ":" + java.net.URLEncoder.encode(PASSWORD, java.nio.charset.StandardCharsets.UTF_8)
                + "@127.0.0.1:" + port + "/" + DATABASE;
    }

    /** Runs one statement as the superuser through the server's private socket. */
    public String psql(String sql) throws Exception {
        return asPostgres(List.of(bin().orElseThrow().resolve("psql").toString(), "-h", dir.toString(), "-p",
                String.valueOf(port), "-U", USER, "-d", sql.startsWith("CREATE DATABASE") ? "postgres" : DATABASE,
                "-v", "ON_ERROR_STOP=1", "-Atc", sql));
    }

    public String serverLog() throws IOException { return Files.readString(dir.resolve("server.log")); }

    @Override
    public void close() throws Exception {
        try {
            if (running()) stop();
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static String asPostgres(List<String> cmd) throws Exception {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(cmd);
        return run(full);
    }

    private static String run(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", PASSWORD);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(cmd.getFirst() + " timed out");
        }
        if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        return out.strip();
    }
}
