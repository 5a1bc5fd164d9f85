package dev.cove.sdk.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.errors.ConflictException;
import dev.cove.sdk.errors.CoveException;
import dev.cove.sdk.errors.NotFoundException;
import dev.cove.sdk.errors.SandboxEndedException;
import dev.cove.sdk.internal.Envd;
import dev.cove.sdk.internal.Errors;
import dev.cove.sdk.internal.Json;
import dev.cove.sdk.internal.Transport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

/**
 * Files in a sandbox: contents over the agent API's {@code /files} (streamed both ways, any size), everything else
 * over {@code filesystem.Filesystem}. Relative paths start at the user's home ({@code /home/user}).
 * <pre>{@code
 * sbx.files().write("app/main.py", "print('hi')");
 * String text = sbx.files().read("app/main.py");
 * try (InputStream in = sbx.files().readStream("/var/log/big.log")) { ... }
 * }</pre>
 */
public final class Filesystem {
    private final Envd envd;
    private final String user;

    /** The files of the sandbox behind {@code envd}, as {@code user}; users get theirs from {@link Sandbox#files()}. */
    public Filesystem(Envd envd, String user) {
        this.envd = envd;
        this.user = user;
    }

    /** The same operations as another user ({@code user} or {@code root}). */
    public Filesystem asUser(String user) { return new Filesystem(envd, user); }

    // ------------------------------------------------------------------ contents

    /** A text file's contents (UTF-8). @throws NotFoundException when the path does not exist */
    public String read(String path) { return new String(readBytes(path), StandardCharsets.UTF_8); }

    public byte[] readBytes(String path) {
        try (InputStream in = readStream(path)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw Transport.transportFailure(envd.base(), e);
        }
    }

    /** A file's contents as a stream, read as it arrives; close it. */
    public InputStream readStream(String path) {
        HttpRequest req = envd.request(filesPath(path), null).timeout(envd.transport().config().requestTimeout())
                .GET().build();
        HttpResponse<InputStream> r = envd.transport().send(req, HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) throw Errors.fromHttp(r.statusCode(), r.headers(), Transport.drain(r.body()));
        return r.body();
    }

    /** Writes a text file (UTF-8), creating parent directories and replacing what was there. */
    public WriteInfo write(String path, String content) { return write(path, content.getBytes(StandardCharsets.UTF_8)); }

    public WriteInfo write(String path, byte[] content) { return write(path, new ByteArrayInputStream(content)); }

    /** Writes a file from a stream of any size (sent as it is read; the stream is closed). */
    public WriteInfo write(String path, InputStream content) {
        HttpRequest req = envd.request(filesPath(path), null)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> content))
                .build();
        HttpResponse<byte[]> r = envd.transport().send(req, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) throw Errors.fromHttp(r.statusCode(), r.headers(), r.body());
        JsonNode body = Json.parse(r.body());
        JsonNode first = body.isArray() && body.size() > 0 ? body.get(0) : body;
        return new WriteInfo(Json.text(first, "name"), Json.text(first, "path"), FileType.of(Json.text(first, "type")));
    }

    // ------------------------------------------------------------------ entries

    /** Entries directly in a directory. */
    public List<EntryInfo> list(String path) { return list(path, 1); }

    /** Entries up to {@code depth} levels down (1 = direct children). */
    public List<EntryInfo> list(String path, int depth) {
        if (depth < 1) throw new IllegalArgumentException("depth must be at least 1, got " + depth);
        ObjectNode req = Json.object();
        req.put("path", path);
        req.put("depth", depth);
        JsonNode r = envd.unary("filesystem.Filesystem/ListDir", req, user);
        List<EntryInfo> out = new ArrayList<>();
        for (JsonNode e : r.path("entries")) out.add(EntryInfo.of(e));
        return out;
    }

    public boolean exists(String path) {
        try {
            getInfo(path);
            return true;
        } catch (NotFoundException e) {
            if (e instanceof SandboxEndedException) throw e;
            return false;
        }
    }

    /** @throws NotFoundException when the path does not exist */
    public EntryInfo getInfo(String path) {
        return EntryInfo.of(envd.unary("filesystem.Filesystem/Stat", pathRequest(path), user).path("entry"));
    }

    /** Creates a directory and its parents: true when created, false when it existed already. */
    public boolean makeDir(String path) {
        try {
            envd.unary("filesystem.Filesystem/MakeDir", pathRequest(path), user);
            return true;
        } catch (ConflictException e) {
            return false;
        }
    }

    /** Moves or renames; returns the entry at its new place. */
    public EntryInfo rename(String oldPath, String newPath) {
        ObjectNode req = Json.object();
        req.put("source", oldPath);
        req.put("destination", newPath);
        return EntryInfo.of(envd.unary("filesystem.Filesystem/Move", req, user).path("entry"));
    }

    /** Removes a file or a directory with everything in it. */
    public void remove(String path) { envd.unary("filesystem.Filesystem/Remove", pathRequest(path), user); }

    /**
     * Watches a directory; {@code onEvent} runs on a reader thread for each change until the handle is stopped
     * or the sandbox ends. Returns once the watch is in place, so changes made afterwards are seen.
     */
    public WatchHandle watchDir(String path, Consumer<FilesystemEvent> onEvent) { return watchDir(path, onEvent, false); }

    public WatchHandle watchDir(String path, Consumer<FilesystemEvent> onEvent, boolean recursive) {
        ObjectNode req = Json.object();
        req.put("path", path);
        req.put("recursive", recursive);
        req.put("includeEntry", true);
        Envd.MessageStream stream = envd.stream("filesystem.Filesystem/WatchDir", req, user, Duration.ZERO);
        JsonNode first;
        do {
            first = stream.next();
        } while (first != null && first.get("start") == null);
        if (first == null) throw new CoveException(0, "no_start", "the watch of " + path + " ended before it started");
        WatchHandle handle = new WatchHandle(stream::close);
        Thread reader = new Thread(() -> {
            try {
                JsonNode m;
                while ((m = stream.next()) != null) {
                    JsonNode fs = m.get("filesystem");
                    if (fs == null) continue;
                    JsonNode entry = fs.get("entry");
                    onEvent.accept(new FilesystemEvent(Json.text(fs, "name"), FilesystemEvent.Type.of(Json.text(fs, "type")),
                            entry == null || entry.isNull() ? null : EntryInfo.of(entry)));
                }
            } catch (CoveException e) {
                // stopped, or the sandbox ended: the watch is over either way
            }
        }, "cove-watch-" + path);
        reader.setDaemon(true);
        reader.start();
        return handle;
    }

    // ------------------------------------------------------------------ signed URLs

    /**
     * A URL that downloads the file with a plain GET, no headers needed (E2B's signed URL: the signature covers
     * path, operation, user and the sandbox's access token). Valid for {@code expiresIn} (null: as long as the
     * sandbox lives). Anyone holding it can read the file: hand it out like a password.
     */
    public String downloadUrl(String path, Duration expiresIn) { return signedUrl(path, "read", expiresIn); }

    public String downloadUrl(String path) { return downloadUrl(path, null); }

    /** A URL that accepts {@code POST} uploads to {@code path} (multipart field {@code file} or octet-stream). */
    public String uploadUrl(String path, Duration expiresIn) { return signedUrl(path, "write", expiresIn); }

    public String uploadUrl(String path) { return uploadUrl(path, null); }

    private String signedUrl(String path, String operation, Duration expiresIn) {
        String url = envd.filesUrl(path, user);
        String token = envd.accessToken();
        if (token == null) return url;
        String expiration = expiresIn == null ? null
                : Long.toString(Instant.now().plus(expiresIn).getEpochSecond());
        String raw = path + ":" + operation + ":" + (user == null ? "" : user) + ":" + token
                + (expiration == null ? "" : ":" + expiration);
        String signature;
        try {
            signature = "v1_" + Base64.getEncoder().withoutPadding()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return url + "&signature=" + Envd.enc(signature) + (expiration == null ? "" : "&signature_expiration=" + expiration);
    }

    private String filesPath(String path) {
        StringBuilder q = new StringBuilder("/files?");
        if (user != null) q.append("username=").append(Envd.enc(user)).append('&');
        return q.append("path=").append(Envd.enc(path)).toString();
    }

    private static ObjectNode pathRequest(String path) {
        ObjectNode req = Json.object();
        req.put("path", path);
        return req;
    }
}
