package dev.cove.sdk.templates;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * A {@code copy} source as the server takes it: a gzipped tar (ustar) of the source under its path relative to the
 * file context, and the hash that names it (over the step, each path, mode, size and content, so a changed file is a
 * new context and an unchanged one is uploaded once).
 */
final class ContextArchive {
    private ContextArchive() {}

    /** The files under {@code src} (itself when a file), sorted, relative to {@code context}. */
    static List<Path> files(Path context, String src) throws IOException {
        Path root = context.resolve(src).normalize();
        if (!root.startsWith(context)) throw new IOException("copy source outside the file context: " + src);
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) throw new IOException("no files found in " + root);
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted().forEach(p -> out.add(context.relativize(p)));
        }
        return out;
    }

    static String hash(Path context, String src, String dest) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(("COPY " + src + " " + dest).getBytes(StandardCharsets.UTF_8));
            for (Path rel : files(context, src)) {
                Path p = context.resolve(rel);
                d.update(rel.toString().getBytes(StandardCharsets.UTF_8));
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                d.update((mode(a.permissions()) + ":" + a.size()).getBytes(StandardCharsets.UTF_8));
                if (a.isRegularFile()) d.update(Files.readAllBytes(p));
                else if (a.isSymbolicLink()) d.update(Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The gzipped tar of {@code src}. */
    static byte[] tarGz(Path context, String src) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (Path rel : files(context, src)) entry(gz, context.resolve(rel), rel.toString().replace('\\', '/'));
            gz.write(new byte[1024]); // two empty blocks end the archive
        }
        return bytes.toByteArray();
    }

    private static void entry(OutputStream out, Path p, String name) throws IOException {
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        char type = a.isDirectory() ? '5' : a.isSymbolicLink() ? '2' : '0';
        if (type == '5' && !name.endsWith("/")) name += "/";
        byte[] content = type == '0' ? Files.readAllBytes(p) : new byte[0];
        byte[] h = new byte[512];
        String prefix = "";
        if (name.getBytes(StandardCharsets.UTF_8).length > 100) {
            int cut = name.lastIndexOf('/', name.length() - 2);
            while (cut > 0 && (name.substring(cut + 1).getBytes(StandardCharsets.UTF_8).length > 100
                    || name.substring(0, cut).getBytes(StandardCharsets.UTF_8).length > 155))
                cut = name.lastIndexOf('/', cut - 1);
            if (cut <= 0) throw new IOException("path too long for the archive: " + name);
            prefix = name.substring(0, cut);
            name = name.substring(cut + 1);
        }
        put(h, 0, 100, name);
        put(h, 100, 8, octal(mode(a.permissions()), 7));
        put(h, 108, 8, octal(0, 7));
        put(h, 116, 8, octal(0, 7));
        put(h, 124, 12, octal(content.length, 11));
        put(h, 136, 12, octal(a.lastModifiedTime().toMillis() / 1000, 11));
        for (int i = 148; i < 156; i++) h[i] = ' ';
        h[156] = (byte) type;
        if (type == '2') put(h, 157, 100, Files.readSymbolicLink(p).toString());
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        put(h, 345, 155, prefix);
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        put(h, 148, 8, octal(sum, 6) + "\0 ");
        out.write(h);
        out.write(content);
        int pad = (512 - content.length % 512) % 512;
        out.write(new byte[pad]);
    }

    private static void put(byte[] h, int at, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, at, Math.min(len, b.length));
    }

    private static String octal(long v, int digits) {
        String s = Long.toOctalString(v);
        return "0".repeat(Math.max(0, digits - s.length())) + s;
    }

    private static int mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) m |= 1 << (8 - p.ordinal());
        return m;
    }
}
