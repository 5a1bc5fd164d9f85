package dev.cove.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Memory per idle sandbox: creates {@code count} sandboxes, runs {@code echo hi} in each through the agent API (so
 * each has its process spawner, as a sandbox that was used has), lets them settle, and prints what one costs: the
 * host's MemAvailable drop per sandbox (everything: its processes, page cache, kernel objects, the server's share),
 * the mean of the sandboxes' own cgroup memory, and the server process's RSS growth per sandbox. Then kills them.
 * Usage: {@code IdleMemoryBench <api base url> <api key> <server pid> [count]}; loopback only, bounded by count.
 */
public final class IdleMemoryBench {
    private IdleMemoryBench() {}

    public static void main(String[] args) throws Exception {
        URI base = URI.create(args[0]);
        String key = args[1];
        long serverPid = Long.parseLong(args[2]);
        int count = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        byte[] echo = AgentRoundtripBench.envelope(
                "{\"process\":{\"cmd\":\"/bin/bash\",\"args\":[\"-c\",\"echo hi\"]},\"stdin\":false}");
        List<String> ids = new ArrayList<>();
        settle();
        long availBefore = memAvailableKiB();
        long rssBefore = rssKiB(serverPid);
        try {
            for (int i = 0; i < count; i++) {
                HttpResponse<String> created = http.send(HttpRequest.newBuilder(base.resolve("/v2/sandboxes"))
                        .header("X-API-KEY", key).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"templateID\":\"base\",\"timeout\":600,\"metadata\":{\"bench\":\"idle-memory\"}}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (created.statusCode() != 201)
                    throw new IllegalStateException("create failed: " + created.statusCode() + " " + created.body());
                JsonNode sandbox = json.readTree(created.body());
                String id = sandbox.get("sandboxID").asText();
                ids.add(id);
                String token = sandbox.path("envdAccessToken").asText(null);
                HttpResponse<InputStream> r = http.send(AgentRoundtripBench.agent(base, id, token, "/process.Process/Start")
                        .header("Content-Type", "application/connect+json").header("Connect-Protocol-Version", "1")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(echo)).build(), HttpResponse.BodyHandlers.ofInputStream());
                String out = AgentRoundtripBench.readUntilEnd(r.body(), json);
                if (!out.equals("hi\n")) throw new IllegalStateException("unexpected output: '" + out + "'");
            }
            settle();
            long availAfter = memAvailableKiB();
            long rssAfter = rssKiB(serverPid);
            long cgroupSum = 0;
            int cgroups = 0;
            for (String id : ids) {
                long bytes = cgroupMemoryBytes(id);
                if (bytes >= 0) {
                    cgroupSum += bytes;
                    cgroups++;
                }
            }
            System.out.printf("idle sandboxes: %d (each ran echo hi once, then settled 5 s)%n", count);
            System.out.printf("host MemAvailable drop per sandbox: %.1f MiB%n", (availBefore - availAfter) / 1024.0 / count);
            if (cgroups > 0)
                System.out.printf("sandbox cgroup memory (mean):      %.1f MiB%n", cgroupSum / 1048576.0 / cgroups);
            System.out.printf("server RSS growth per sandbox:     %.2f MiB%n", (rssAfter - rssBefore) / 1024.0 / count);
        } finally {
            for (String id : ids) {
                http.send(HttpRequest.newBuilder(base.resolve("/sandboxes/" + id)).header("X-API-KEY", key).DELETE()
                        .build(), HttpResponse.BodyHandlers.discarding());
            }
        }
    }

    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(5000);
    }

    private static long memAvailableKiB() throws IOException {
        return field(Path.of("/proc/meminfo"), "MemAvailable:");
    }

    private static long rssKiB(long pid) throws IOException {
        return field(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:");
    }

    private static long field(Path file, String name) throws IOException {
        for (String line : Files.readAllLines(file))
            if (line.startsWith(name)) return Long.parseLong(line.substring(name.length()).strip().split("\\s+")[0]);
        throw new IllegalStateException(name + " not in " + file);
    }

    /** The sandbox cgroup's charged memory (v1 memory.usage_in_bytes or v2 memory.current), or -1. */
    private static long cgroupMemoryBytes(String id) throws IOException {
        for (Path p : List.of(Path.of("/sys/fs/cgroup/memory/covebnch", id, "memory.usage_in_bytes"),
                Path.of("/sys/fs/cgroup/covebnch", id, "memory.current"))) {
            if (Files.isReadable(p)) return Long.parseLong(Files.readAllLines(p).get(0).strip());
        }
        return -1;
    }
}
