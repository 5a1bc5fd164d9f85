package dev.cove.core.routing;

import dev.cove.core.CoveException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** E2B's {@code host_test.go} table, plus Cove's control-plane hosts. Empty CSV cells are null (header absent). */
class SandboxHostTest {
    private static final String DOMAIN = "e2b.app";

    /** Hosts and headers that name a sandbox port route to it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        # name                                          | host                                                 | id header             | port header | id                    | port
        sandbox host with client id                     | 49983-isv6ril5xadwn1k9t2jye-6532622b.e2b.app         |                       |             | isv6ril5xadwn1k9t2jye | 49983
        client id and dash domain                       | 49983-isv6ril5xadwn1k9t2jye-6532622b.e2b-test.app    |                       |             | isv6ril5xadwn1k9t2jye | 49983
        client id and subdomain                         | 49983-isv6ril5xadwn1k9t2jye-6532622b.demo.e2b.app    |                       |             | isv6ril5xadwn1k9t2jye | 49983
        without client id                               | 49983-isv6ril5xadwn1k9t2jye.e2b.app                  |                       |             | isv6ril5xadwn1k9t2jye | 49983
        dash domain without client id                   | 49983-isv6ril5xadwn1k9t2jye.e2b-test.app             |                       |             | isv6ril5xadwn1k9t2jye | 49983
        subdomain without client id                     | 49983-isv6ril5xadwn1k9t2jye.demo.e2b.app             |                       |             | isv6ril5xadwn1k9t2jye | 49983
        host with port                                  | 3000-isv6ril5xadwn1k9t2jye.e2b.app:8443              |                       |             | isv6ril5xadwn1k9t2jye | 3000
        host in upper case (DNS is case-insensitive)    | 3000-ISV6RIL5XADWN1K9T2JYE.E2B.APP                   |                       |             | isv6ril5xadwn1k9t2jye | 3000
        trailing dot                                    | 3000-isv6ril5xadwn1k9t2jye.e2b.app.                  |                       |             | isv6ril5xadwn1k9t2jye | 3000
        headers: happy path                             | localhost:1234                                       | isv6ril5xadwn1k9t2jye | 8080        | isv6ril5xadwn1k9t2jye | 8080
        headers: loopback IPv4                          | 127.0.0.1:1234                                       | isv6ril5xadwn1k9t2jye | 8080        | isv6ril5xadwn1k9t2jye | 8080
        headers: loopback IPv6                          | [::1]:1234                                           | isv6ril5xadwn1k9t2jye | 8080        | isv6ril5xadwn1k9t2jye | 8080
        headers: LAN IPv4 (Cove accepts any IP literal) | 192.168.1.20:8080                                    | isv6ril5xadwn1k9t2jye | 49983       | isv6ril5xadwn1k9t2jye | 49983
        headers: sandbox shared host                    | sandbox.e2b.app                                      | isv6ril5xadwn1k9t2jye | 49983       | isv6ril5xadwn1k9t2jye | 49983
        headers: bare domain (Cove's shared host too)   | e2b.app:8443                                         | isv6ril5xadwn1k9t2jye | 49983       | isv6ril5xadwn1k9t2jye | 49983
        headers: bare domain, upper case, other port    | E2B.APP.                                             | isv6ril5xadwn1k9t2jye | 3000        | isv6ril5xadwn1k9t2jye | 3000
        headers: ignored on regular sandbox host        | 49983-isv6ril5xadwn1k9t2jye.e2b.app                  | iother5b5aiixd410phsjv| 3000        | isv6ril5xadwn1k9t2jye | 49983
        one header alone, on a sandbox host             | 49983-isv6ril5xadwn1k9t2jye.e2b.app                  | isv6ril5xadwn1k9t2jye |             | isv6ril5xadwn1k9t2jye | 49983
        """)
    void routesToSandbox(String name, String host, String idHeader, String portHeader, String id, int port) {
        assertThat(SandboxHost.route(host, idHeader, portHeader, DOMAIN)).isEqualTo(new SandboxHost(id, port));
    }

    /** The api host, the bare domain, and a machine name without routing headers reach the control plane. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        api host                         | api.e2b.app
        api host with port               | api.e2b.app:8443
        api host, routing headers ignored| api.e2b.app
        bare domain                      | e2b.app
        bare domain upper case           | E2B.APP:443
        localhost                        | localhost
        localhost with port              | localhost:8080
        IPv4                             | 127.0.0.1:8080
        IPv6                             | [::1]:8443
        LAN IPv4                         | 10.1.2.3
        """)
    void routesToControlPlane(String name, String host) {
        String idHeader = name.contains("headers ignored") ? "isv6ril5xadwn1k9t2jye" : null;
        assertThat(SandboxHost.route(host, idHeader, null, DOMAIN)).isEqualTo(RequestTarget.CONTROL_PLANE);
    }

    /** Malformed hosts and headers are refused with E2B's 400 messages. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        without port part                   | isv6ril5xadwn1k9t2jye.e2b.app       |                       |      | invalid_host         | Invalid host
        invalid port part                   | abcd-isv6ril5xadwn1k9t2jye.e2b.app  |                       |      | invalid_sandbox_port | Invalid sandbox port
        port out of range                   | 70000-isv6ril5xadwn1k9t2jye.e2b.app |                       |      | invalid_sandbox_port | Invalid sandbox port
        signed port                         | +80-isv6ril5xadwn1k9t2jye.e2b.app   |                       |      | invalid_sandbox_port | Invalid sandbox port
        without domain                      | 49983-isv6ril5xadwn1k9t2jye         |                       |      | invalid_host         | Invalid host
        missing domain, with port           | 49983-isv6ril5xadwn1k9t2jye:8080    |                       |      | invalid_host         | Invalid host
        no host at all                      |                                     |                       |      | invalid_host         | Invalid host
        shared host without headers         | sandbox.e2b.app                     |                       |      | invalid_host         | Invalid host
        other host of the domain            | www.e2b.app                         |                       |      | invalid_host         | Invalid host
        invalid id in host                  | 3000-bad_id.e2b.app                 |                       |      | invalid_sandbox_id   | Invalid sandbox ID
        empty id in host                    | 3000-.e2b.app                       |                       |      | invalid_sandbox_id   | Invalid sandbox ID
        headers: invalid id with colon      | localhost:1234                      | sbx:123               | 8080 | invalid_sandbox_id   | Invalid sandbox ID
        headers: invalid id with uppercase  | localhost:1234                      | SBX_UPPER             | 8080 | invalid_sandbox_id   | Invalid sandbox ID
        headers: missing sandbox id         | localhost:1234                      |                       | 8080 | missing_header       | missing header
        headers: missing sandbox port       | localhost:1234                      | isv6ril5xadwn1k9t2jye |      | missing_header       | missing header
        headers: invalid port               | localhost:1234                      | isv6ril5xadwn1k9t2jye | http | invalid_sandbox_port | Invalid sandbox port
        headers: port zero                  | sandbox.e2b.app                     | isv6ril5xadwn1k9t2jye | 0    | invalid_sandbox_port | Invalid sandbox port
        headers: bare domain, missing port  | e2b.app                             | isv6ril5xadwn1k9t2jye |      | missing_header       | missing header
        """)
    void refusesBadTargets(String name, String host, String idHeader, String portHeader, String code, String message) {
        assertThatThrownBy(() -> SandboxHost.route(host, idHeader, portHeader, DOMAIN))
                .isInstanceOfSatisfying(CoveException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo(code);
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        api.e2b.app:443        | api.e2b.app
        [::1]:8080             | ::1
        [::1]                  | ::1
        ::1                    | ::1
        Sandbox.E2B.app.:80    | sandbox.e2b.app
        """)
    void normalizesHostnames(String host, String hostname) {
        assertThat(SandboxHost.hostname(host)).isEqualTo(hostname);
    }
}
