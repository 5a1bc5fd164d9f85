package dev.cove.api.envd.files;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.envd.EnvdTestBase;
import dev.cove.api.testing.EnvdClient;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent API's plain-HTTP endpoints: /files, /health, /envs, /metrics, internal paths, unknown sandboxes. */
class FilesHttpTest extends EnvdTestBase {

    private static HttpResponse<String> get(EnvdClient c, String pathAndQuery) {
        return c.send(c.request(pathAndQuery, null).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postOctets(String query, byte[] body, String... headers) {
        HttpRequest.Builder b = envd.request("/files?" + query, null).header("Content-Type", "application/octet-stream");
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return envd.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] multipart(String boundary, List<String[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String[] p : parts) {
            out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p[0] + "\"; filename=\"" + p[1]
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + p[2] + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void healthEnvsMetricsAndInternalPaths() {
        HttpResponse<String> health = get(envd, "/health");
        assertThat(health.statusCode()).isEqualTo(204);
        JsonNode envs = EnvdClient.read(get(envd, "/envs").body());
        assertThat(envs.path("COVE_SBX").asText()).isEqualTo("from-sandbox");
        JsonNode m = EnvdClient.read(get(envd, "/metrics").body());
        assertThat(m.path("cpu_count").asInt()).isPositive();
        assertThat(m.path("mem_total").asLong()).isPositive();
        assertThat(m.path("mem_used").asLong()).isPositive();
        assertThat(m.path("disk_total").asLong()).isPositive();
        assertThat(m.has("cpu_used_pct")).isTrue();
        assertThat(m.has("ts")).isTrue();
        HttpResponse<String> init = envd.send(envd.request("/init", null).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(init.statusCode()).isEqualTo(404);
        assertThat(EnvdClient.read(init.body()).path("message").asText())
                .isEqualTo("This endpoint is reserved for the E2B control plane and is not reachable through the sandbox URL");
        assertThat(EnvdClient.read(init.body()).path("path").asText()).isEqualTo("/init");
        // a sandbox that does not exist: E2B's 502 body, which the SDKs read as "not running"
        HttpResponse<String> unknown = get(client("zzzzzzzzzzzzzzzzzzzz"), "/health");
        assertThat(unknown.statusCode()).isEqualTo(502);
        JsonNode body = EnvdClient.read(unknown.body());
        assertThat(body.path("sandboxId").asText()).isEqualTo("zzzzzzzzzzzzzzzzzzzz");
        assertThat(body.path("message").asText()).isEqualTo("The sandbox was not found");
        assertThat(body.path("code").asInt()).isEqualTo(502);
        // without the header the REST API answers /health as before
        HttpResponse<String> rest = get(new EnvdClient(http, envd.base(), null), "/health");
        assertThat(rest.statusCode()).isEqualTo(200);
    }

    @Test
    void uploadAndDownload() throws Exception {
        String boundary = "----covetestboundary";
        byte[] body = multipart(boundary, List.of(new String[] {"file", "/home/user/up/a.txt", "alpha"},
                new String[] {"file", "/home/user/up/deep/b.json", "{\"b\":1}"}));
        HttpResponse<String> r = envd.send(envd.request("/files", null)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode written = EnvdClient.read(r.body());
        assertThat(written.size()).isEqualTo(2);
        assertThat(written.get(0).path("path").asText()).isEqualTo("/home/user/up/a.txt");
        assertThat(written.get(0).path("name").asText()).isEqualTo("a.txt");
        assertThat(written.get(0).path("type").asText()).isEqualTo("file");
        assertThat(envd.run("stat -c '%U %G %a' /home/user/up/a.txt /home/user/up/deep", null).out())
                .isEqualTo("user user 644\nuser user 755\n");

        // single part with ?path= (SDK files.write), relative path
        List<String[]> singlePart = new java.util.ArrayList<>();
        singlePart.add(new String[] {"file", "ignored-name", "beta"});
        byte[] single = multipart(boundary, singlePart);
        HttpResponse<String> r2 = envd.send(envd.request("/files?path=up/c.txt&username=root", null)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(single)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r2.statusCode()).as(r2.body()).isEqualTo(200);
        assertThat(EnvdClient.read(r2.body()).get(0).path("path").asText()).isEqualTo("/root/up/c.txt");
        assertThat(envd.run("stat -c '%U' /root/up/c.txt; cat /root/up/c.txt", "root").out()).isEqualTo("root\nbeta");

        // octet-stream, gzip-encoded body
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write("gamma gamma gamma".getBytes(StandardCharsets.UTF_8));
        }
        HttpResponse<String> gzUp = postOctets("path=/home/user/up/g.txt", gz.toByteArray(), "Content-Encoding", "gzip");
        assertThat(gzUp.statusCode()).as(gzUp.body()).isEqualTo(200);

        HttpResponse<String> d = get(envd, "/files?path=/home/user/up/g.txt");
        assertThat(d.statusCode()).isEqualTo(200);
        assertThat(d.body()).isEqualTo("gamma gamma gamma");
        assertThat(d.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        assertThat(d.headers().firstValue("Content-Disposition")).hasValue("inline; filename=g.txt");
        assertThat(d.headers().firstValue("Content-Length")).hasValue("17");
        assertThat(get(envd, "/files?path=/home/user/up/deep/b.json").headers().firstValue("Content-Type")).hasValue("application/json");

        HttpResponse<byte[]> zipped = envd.send(envd.request("/files?path=/home/user/up/g.txt", null)
                .header("Accept-Encoding", "gzip").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(zipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(new String(new GZIPInputStream(new java.io.ByteArrayInputStream(zipped.body())).readAllBytes(),
                StandardCharsets.UTF_8)).isEqualTo("gamma gamma gamma");

        HttpResponse<String> range = envd.send(envd.request("/files?path=/home/user/up/g.txt", null)
                .header("Range", "bytes=6-10").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo("gamma");
        assertThat(range.headers().firstValue("Content-Range")).hasValue("bytes 6-10/17");
        HttpResponse<String> badRange = envd.send(envd.request("/files?path=/home/user/up/g.txt", null)
                .header("Range", "bytes=100-").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(badRange.statusCode()).isEqualTo(416);

        HttpResponse<String> missing = get(envd, "/files?path=/home/user/up/missing.txt");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(EnvdClient.read(missing.body()).path("code").asInt()).isEqualTo(404);
        assertThat(EnvdClient.read(missing.body()).path("message").asText()).isEqualTo("path '/home/user/up/missing.txt' does not exist");
        assertThat(get(envd, "/files?path=/home/user/up").statusCode()).isEqualTo(400);
        // a new file where only root may create is made as root and given to user, as envd does ...
        HttpResponse<String> made = postOctets("path=/root/made/by-user.txt", "x".getBytes());
        assertThat(made.statusCode()).as(made.body()).isEqualTo(200);
        assertThat(envd.run("stat -c '%U %G' /root/made /root/made/by-user.txt", "root").out())
                .isEqualTo("user user\nuser user\n");
        // ... but an existing file is overwritten as user, with user's permissions
        envd.run("echo mine > /root/own.txt", "root");
        HttpResponse<String> denied = postOctets("path=/root/own.txt", "x".getBytes());
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(envd.run("stat -c %U /root/own.txt; cat /root/own.txt", "root").out()).isEqualTo("root\nmine\n");
        HttpResponse<String> empty = postOctets("path=/home/user/up/empty", new byte[0]);
        assertThat(empty.statusCode()).isEqualTo(200);
        HttpResponse<String> emptyGet = get(envd, "/files?path=/home/user/up/empty");
        assertThat(emptyGet.statusCode()).isEqualTo(200);
        assertThat(emptyGet.headers().firstValue("Content-Length")).hasValue("0");
    }

    /** Deterministic pseudo-random bytes, generated while sent: nothing of the 100 MB is held in memory. */
    private static InputStream pseudoRandom(long size, long seed) {
        return new InputStream() {
            final Random random = new Random(seed);
            final byte[] block = new byte[64 * 1024];
            int pos = block.length;
            long left = size;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) return -1;
                if (pos == block.length) {
                    random.nextBytes(block);
                    pos = 0;
                }
                int n = (int) Math.min(Math.min(len, block.length - pos), left);
                System.arraycopy(block, pos, b, off, n);
                pos += n;
                left -= n;
                return n;
            }
        };
    }

    private static String sha256(InputStream in) throws IOException {
        try (in) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[256 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void hundredMegabytesUpAndDownAsMultipart() throws Exception {
        long size = 100L * 1024 * 1024;
        String expected = sha256(pseudoRandom(size, 42));
        String boundary = "covetest100mb";
        InputStream body = new SequenceInputStream(java.util.Collections.enumeration(List.of(
                new java.io.ByteArrayInputStream(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; "
                        + "filename=\"big.bin\"\r\n\r\n").getBytes(StandardCharsets.UTF_8)),
                pseudoRandom(size, 42),
                new java.io.ByteArrayInputStream(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8)))));
        HttpResponse<String> up = envd.send(envd.request("/files?path=/home/user/big.bin", null)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
        assertThat(envd.run("stat -c %s /home/user/big.bin; sha256sum /home/user/big.bin | cut -d' ' -f1", null).out())
                .isEqualTo(size + "\n" + expected + "\n");
        HttpResponse<InputStream> down = envd.send(envd.request("/files?path=/home/user/big.bin", null).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(down.statusCode()).isEqualTo(200);
        assertThat(down.headers().firstValue("Content-Length")).hasValue(Long.toString(size));
        assertThat(sha256(down.body())).isEqualTo(expected);
        envd.run("rm /home/user/big.bin", null);
    }
}
