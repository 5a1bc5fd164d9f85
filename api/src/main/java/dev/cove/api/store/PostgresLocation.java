package dev.cove.api.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where a cluster's catalog lives: {@code postgresql://USER[:PASSWORD]@HOST[:PORT]/DB}, as {@code cove server
 * --store} takes it. The password (from the URL or, when the URL has none, from {@code PGPASSWORD}) is kept apart
 * from everything printable: {@link #toString()} and {@link #jdbcUrl()} never carry it.
 */
public final class PostgresLocation {
    public static final String SCHEME = "postgresql";

    private final String user;
    private final String password;
    private final String host;
    private final int port;
    private final String database;

    private PostgresLocation(String user, String password, String host, int port, String database) {
        this.user = user;
        this.password = password;
        this.host = host;
        this.port = port;
        this.database = database;
    }

    /** Whether a {@code --store} value names PostgreSQL (anything else is refused by {@link #parse}). */
    public static boolean isPostgres(String spec) {
        return spec != null && (spec.startsWith(SCHEME + "://") || spec.startsWith("postgres://"));
    }

    /**
     * Parses the URL; errors say what is wrong without repeating the value (it may hold the password).
     *
     * @param environmentPassword used when the URL has no password (e.g. {@code PGPASSWORD}); may be null
     */
    public static PostgresLocation parse(String spec, String environmentPassword) {
        if (!isPostgres(spec)) {
            throw new IllegalArgumentException("--store takes postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE");
        }
        URI uri;
        try {
            uri = new URI(spec);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--store is not a valid URL (percent-encode special characters of the "
                    + "password); expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE");
        }
        String host = uri.getHost();
        String info = uri.getRawUserInfo();
        String path = uri.getPath();
        if (host == null || info == null || info.isEmpty() || path == null || path.length() < 2 || path.indexOf('/', 1) >= 0) {
            throw new IllegalArgumentException("--store needs a user, a host and a database: "
                    + "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("--store takes no query string: postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE");
        }
        int colon = info.indexOf(':');
        String user = decode(colon < 0 ? info : info.substring(0, colon));
        String password = colon < 0 ? environmentPassword : decode(info.substring(colon + 1));
        if (user.isEmpty()) throw new IllegalArgumentException("--store names no user");
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        return new PostgresLocation(user, password, host, port, path.substring(1));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The JDBC URL without credentials (user and password go to the driver separately). */
    public String jdbcUrl() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/" + database;
    }

    public String user() { return user; }

    /** Never log it. Null when neither the URL nor the environment gave one. */
    String password() { return password; }

    public String host() { return host; }

    public int port() { return port; }

    public String database() { return database; }

    /** Printable: the password is never part of it. */
    @Override
    public String toString() {
        return SCHEME + "://" + user + (password == null ? "" : ":***") + "@" + host + ":" + port + "/" + database;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PostgresLocation p && p.user.equals(user) && Objects.equals(p.password, password)
                && p.host.equals(host) && p.port == port && p.database.equals(database);
    }

    @Override
    public int hashCode() { return Objects.hash(user, host, port, database); }
}
