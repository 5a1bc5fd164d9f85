package dev.cove.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cove.runtime.journal.SandboxJournal;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OciSpecTest {
    private static final SandboxJournal J = new SandboxJournal(1, "abc", "base", "/t/rootfs", 3, "cove-abc", "cove3h",
            "cove3s", "10.200.0.13", "10.200.0.14", "fd63:6f76:3::1", "fd63:6f76:3::2", "/d/sandboxes/abc/rootfs",
            "/d/sandboxes/abc/upper", "/d/sandboxes/abc/work", "/cove/abc", "cove-abc", "runc", "/d/runc",
            Map.of("FOO", "bar", "HOME", "/override"), 2, 256, 100, 0);

    @Test
    void configJoinsThePreparedNetnsAndSetsLimits() {
        JsonNode c = OciSpec.config(J, "abc");
        assertThat(c.at("/hostname").asText()).isEqualTo("abc");
        assertThat(c.at("/root/path").asText()).isEqualTo("/d/sandboxes/abc/rootfs");
        assertThat(c.at("/root/readonly").asBoolean()).isFalse();
        assertThat(c.at("/linux/cgroupsPath").asText()).isEqualTo("/cove/abc");
        assertThat(c.at("/linux/resources/memory/limit").asLong()).isEqualTo(256L << 20);
        assertThat(c.at("/linux/resources/memory/swap").asLong()).isEqualTo(256L << 20);
        assertThat(c.at("/linux/resources/cpu/quota").asLong()).isEqualTo(200_000);
        assertThat(c.at("/linux/resources/cpu/period").asLong()).isEqualTo(100_000);
        assertThat(c.at("/linux/resources/pids/limit").asLong()).isEqualTo(100);
        List<String> ns = new ArrayList<>();
        c.at("/linux/namespaces").forEach(n -> ns.add(n.get("type").asText() + (n.has("path") ? "=" + n.get("path").asText() : "")));
        assertThat(ns).containsExactlyInAnyOrder("pid", "ipc", "uts", "mount", "cgroup", "network=/run/netns/cove-abc");
        assertThat(c.at("/process/noNewPrivileges").asBoolean()).isTrue();
        assertThat(c.at("/process/capabilities/bounding").toString()).doesNotContain("SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE");
        assertThat(c.at("/linux/maskedPaths").toString()).contains("/proc/kcore", "/sys/firmware");
        assertThat(c.at("/linux/readonlyPaths").toString()).contains("/proc/sys", "/proc/sysrq-trigger");
        assertThat(c.at("/linux/sysctl/net.ipv4.ping_group_range").asText()).isEqualTo("0 2147483647");
        assertThat(c.at("/process/rlimits").toString()).contains("{\"type\":\"RLIMIT_CORE\",\"hard\":0,\"soft\":0}");
        assertThat(c.at("/process/capabilities/bounding").toString())
                .doesNotContain("NET_RAW", "MKNOD", "SETFCAP", "SETPCAP", "AUDIT_WRITE").contains("CAP_CHOWN");
    }

    @Test
    void seccompIsAnAllowListWithArgumentRules() {
        JsonNode s = OciSpec.config(J, "abc").at("/linux/seccomp");
        assertThat(s.get("defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(s.get("defaultErrnoRet").asInt()).isEqualTo(1);
        assertThat(s.toString()).doesNotContain("\"why\"", "_about");
        List<String> allowedWithoutArgs = new ArrayList<>();
        List<String> withArgs = new ArrayList<>();
        for (JsonNode rule : s.get("syscalls")) {
            for (JsonNode n : rule.get("names")) {
                if (rule.get("action").asText().equals("SCMP_ACT_ALLOW") && !rule.has("args")) allowedWithoutArgs.add(n.asText());
                if (rule.has("args")) withArgs.add(n.asText());
            }
        }
        assertThat(allowedWithoutArgs).contains("read", "epoll_pwait", "pidfd_open", "ptrace").doesNotContain("unshare",
                "setns", "mount", "open_tree", "fsopen", "move_mount", "keyctl", "add_key", "bpf", "io_uring_setup",
                "perf_event_open", "init_module", "finit_module", "kexec_load", "open_by_handle_at", "userfaultfd",
                "fanotify_init", "memfd_secret", "pidfd_getfd", "socket", "socketcall", "clone", "clone3", "personality");
        assertThat(withArgs).containsOnly("clone", "socket", "personality");
        assertThat(s.toString()).contains("{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}");
    }

    @Test
    void userProcessesGetTheirHomeAndNoCapabilities() {
        JsonNode p = OciSpec.process(OciSpec.User.USER, List.of("id"), J.env(), true);
        assertThat(p.at("/user/uid").asInt()).isEqualTo(1000);
        assertThat(p.at("/user/additionalGids/0").asInt()).isEqualTo(27);
        assertThat(p.at("/cwd").asText()).isEqualTo("/home/user");
        assertThat(p.at("/capabilities/effective")).isEmpty();
        assertThat(p.at("/capabilities/bounding")).isNotEmpty();
        List<String> env = new ArrayList<>();
        p.at("/env").forEach(e -> env.add(e.asText()));
        assertThat(env).contains("USER=user", "FOO=bar", "HOME=/override").doesNotContain("HOME=/home/user");
    }
}
