package dev.cove.api.envd.filesystem;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.api.envd.EnvdTestBase;
import dev.cove.api.testing.EnvdClient;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.cove.api.testing.EnvdClient.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** filesystem.Filesystem over real HTTP against a real sandbox. */
class FilesystemApiTest extends EnvdTestBase {

    private static JsonNode fs(String method, String json, String user) {
        return envd.unary("filesystem.Filesystem/" + method, json, user);
    }

    private static void expectError(String method, String json, String user, String code, int status) {
        assertThatThrownBy(() -> fs(method, json, user)).isInstanceOfSatisfying(EnvdClient.ConnectError.class, e -> {
            assertThat(e.code).as(e.getMessage()).isEqualTo(code);
            assertThat(e.httpStatus).isEqualTo(status);
        });
    }

    private static void upload(String path, String content, String user) {
        HttpResponse<String> r = envd.send(envd.request("/files?path=" + path + (user == null ? "" : "&username=" + user), null)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofString(content)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    @Test
    void makeDirStatListMoveRemove() {
        JsonNode made = fs("MakeDir", path("/home/user/fs1/a/b"), null).path("entry");
        assertThat(made.path("type").asText()).isEqualTo("FILE_TYPE_DIRECTORY");
        assertThat(made.path("path").asText()).isEqualTo("/home/user/fs1/a/b");
        assertThat(made.path("name").asText()).isEqualTo("b");
        assertThat(made.path("owner").asText()).isEqualTo("user");
        assertThat(made.path("group").asText()).isEqualTo("user");
        assertThat(made.path("permissions").asText()).isEqualTo("drwxr-xr-x");
        assertThat(made.path("mode").asInt()).isEqualTo(0755);
        upload("/home/user/fs1/a/hello.txt", "hello", null);

        JsonNode st = fs("Stat", path("fs1/a/hello.txt"), null).path("entry"); // relative to the home
        assertThat(st.path("type").asText()).isEqualTo("FILE_TYPE_FILE");
        assertThat(st.path("size").isTextual()).as("int64 is a JSON string").isTrue();
        assertThat(st.path("size").asText()).isEqualTo("5");
        assertThat(st.path("permissions").asText()).isEqualTo("-rw-r--r--");
        assertThat(st.path("owner").asText()).isEqualTo("user");
        assertThat(Instant.parse(st.path("modifiedTime").asText())).isAfter(Instant.now().minusSeconds(60));
        assertThat(st.has("symlinkTarget")).isFalse();

        JsonNode one = fs("ListDir", "{\"path\":\"/home/user/fs1\",\"depth\":1}", null);
        assertThat(names(one)).containsExactly("/home/user/fs1/a");
        JsonNode two = fs("ListDir", "{\"path\":\"/home/user/fs1\",\"depth\":2}", null);
        assertThat(names(two)).containsExactly("/home/user/fs1/a", "/home/user/fs1/a/b", "/home/user/fs1/a/hello.txt");
        JsonNode empty = fs("ListDir", path("/home/user/fs1/a/b"), null);
        assertThat(empty.has("entries")).as("empty repeated fields are omitted").isFalse();

        JsonNode moved = fs("Move", "{\"source\":\"/home/user/fs1/a/hello.txt\",\"destination\":\"/home/user/fs1/new/dir/hi.txt\"}", null);
        assertThat(moved.path("entry").path("path").asText()).isEqualTo("/home/user/fs1/new/dir/hi.txt");
        expectError("Stat", path("/home/user/fs1/a/hello.txt"), null, "not_found", 404);
        assertThat(envd.run("cat /home/user/fs1/new/dir/hi.txt", null).out()).isEqualTo("hello");

        envd.run("ln -s /home/user/fs1/new /home/user/fs1/link", null);
        JsonNode link = fs("Stat", path("/home/user/fs1/link"), null).path("entry");
        assertThat(link.path("type").asText()).isEqualTo("FILE_TYPE_SYMLINK");
        assertThat(link.path("symlinkTarget").asText()).isEqualTo("/home/user/fs1/new");
        assertThat(link.path("permissions").asText()).startsWith("L");

        fs("Remove", path("/home/user/fs1"), null);
        expectError("Stat", path("/home/user/fs1"), null, "not_found", 404);
        assertThat(envd.run("test -e /home/user/fs1 && echo yes || echo no", null).out()).isEqualTo("no\n");
    }

    private static List<String> names(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.path("entries").forEach(e -> out.add(e.path("path").asText()));
        return out;
    }

    @Test
    void errors() {
        fs("MakeDir", path("/home/user/errs"), null);
        expectError("MakeDir", path("/home/user/errs"), null, "already_exists", 409);
        upload("/home/user/errs/file", "x", null);
        expectError("MakeDir", path("/home/user/errs/file"), null, "invalid_argument", 400);
        expectError("ListDir", path("/home/user/errs/file"), null, "invalid_argument", 400);
        expectError("ListDir", path("/home/user/nope"), null, "not_found", 404);
        expectError("Stat", path("/home/user/nope"), null, "not_found", 404);
        expectError("Move", "{\"source\":\"/home/user/nope\",\"destination\":\"/home/user/x\"}", null, "not_found", 404);
        fs("Remove", path("/home/user/nope"), null); // gone already: done, as on E2B
        fs("Remove", path("/home/user/nope/deeper"), null);
        expectError("Remove", path("/home/user/errs/file/x"), null, "invalid_argument", 400);
        expectError("Stat", "{}", null, "invalid_argument", 400);
        expectError("ListDir", "{\"path\":\"/home/user\",\"depth\":-1}", null, "invalid_argument", 400);
        expectError("Stat", path("/home/user"), "nobody", "unauthenticated", 401);
    }

    @Test
    void ownershipFollowsTheUser() {
        JsonNode asRoot = fs("MakeDir", path("/opt/by-root"), "root").path("entry");
        assertThat(asRoot.path("owner").asText()).isEqualTo("root");
        // made as root and given to user, as envd does
        assertThat(fs("MakeDir", path("/opt/by-user/a"), "user").path("entry").path("owner").asText()).isEqualTo("user");
        assertThat(envd.run("stat -c '%U %G' /opt /opt/by-user /opt/by-user/a", "root").out())
                .isEqualTo("root root\nuser user\nuser user\n");
        assertThat(fs("MakeDir", path("/root/x"), "user").path("entry").path("owner").asText()).isEqualTo("user");
        expectError("ListDir", path("/root"), "user", "permission_denied", 403);
        expectError("Remove", path("/opt/by-root"), "user", "permission_denied", 403);
        assertThat(fs("Stat", path("/opt/by-root"), "user").path("entry").path("owner").asText()).isEqualTo("root");
        assertThat(fs("ListDir", path("/root"), "root").isObject()).isTrue();
        // root's relative paths are relative to /root
        assertThat(fs("MakeDir", path("rootdir"), "root").path("entry").path("path").asText()).isEqualTo("/root/rootdir");
    }

    @Test
    void watchDirStreamsCreateWriteRemove() throws Exception {
        fs("MakeDir", path("/home/user/watched"), null);
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        EnvdClient.Stream s = envd.stream("filesystem.Filesystem/WatchDir",
                "{\"path\":\"/home/user/watched\",\"recursive\":true,\"include_entry\":true}", null,
                Map.of("Keepalive-Ping-Interval", "1"));
        JsonNode first = s.next();
        assertThat(first.has("start")).isTrue();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                JsonNode m;
                while ((m = s.next()) != null) events.add(m);
            } catch (RuntimeException closed) {
                // closed by the test
            }
        });
        // changes made inside the sandbox, by a process
        envd.run("echo one > /home/user/watched/f.txt; sleep 0.2; echo two >> /home/user/watched/f.txt; "
                + "mkdir /home/user/watched/sub; sleep 0.3; echo deep > /home/user/watched/sub/g.txt; sleep 0.2; "
                + "rm /home/user/watched/f.txt", null);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<String> seen = new ArrayList<>();
            for (JsonNode e : events) {
                if (e.has("filesystem")) seen.add(e.path("filesystem").path("type").asText() + " " + e.path("filesystem").path("name").asText());
            }
            assertThat(seen).contains("EVENT_TYPE_CREATE f.txt", "EVENT_TYPE_WRITE f.txt", "EVENT_TYPE_REMOVE f.txt",
                    "EVENT_TYPE_CREATE sub", "EVENT_TYPE_CREATE sub/g.txt");
        });
        JsonNode created = events.stream().filter(e -> e.path("filesystem").path("type").asText().equals("EVENT_TYPE_CREATE")
                && e.path("filesystem").path("name").asText().equals("sub")).findFirst().orElseThrow();
        assertThat(created.path("filesystem").path("entry").path("type").asText()).isEqualTo("FILE_TYPE_DIRECTORY");
        await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> e.has("keepalive")));
        s.close();
        reader.join(5000);
        expectError("CreateWatcher", path("/home/user/not-there"), null, "not_found", 404);
    }

    @Test
    void pollingWatcher() {
        fs("MakeDir", path("/home/user/polled"), null);
        String id = fs("CreateWatcher", "{\"path\":\"/home/user/polled\"}", null).path("watcherId").asText();
        assertThat(id).isNotEmpty();
        envd.run("touch /home/user/polled/a; rm /home/user/polled/a", null);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode got = fs("GetWatcherEvents", "{\"watcherId\":\"" + id + "\"}", null);
            List<String> types = new ArrayList<>();
            got.path("events").forEach(e -> types.add(e.path("type").asText()));
            assertThat(types).contains("EVENT_TYPE_CREATE", "EVENT_TYPE_REMOVE");
        });
        fs("RemoveWatcher", "{\"watcher_id\":\"" + id + "\"}", null);
        expectError("GetWatcherEvents", "{\"watcherId\":\"" + id + "\"}", null, "not_found", 404);
    }
}
