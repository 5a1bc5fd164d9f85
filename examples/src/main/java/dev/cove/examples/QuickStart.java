package dev.cove.examples;

import dev.cove.sdk.Access;
import dev.cove.sdk.CommandHandle;
import dev.cove.sdk.CommandOptions;
import dev.cove.sdk.CommandResult;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.ports.ExposeOptions;
import dev.cove.sdk.ports.ExposedPort;
import dev.cove.sdk.ports.ShareLink;
import dev.cove.sdk.ports.Wait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The agent's story with the Java SDK: create a sandbox, run code, write an app, start it in the background, wait
 * for its port, expose it privately with a share link, fetch it through Cove's edge and revoke the link. Run it on the machine where {@code ./cove up} runs (no configuration
 * needed there), or set COVE_DOMAIN, COVE_API_KEY and COVE_CA_CERT:
 * <pre>
 * java -cp examples/target/classes:examples/target/lib/* dev.cove.examples.QuickStart
 * </pre>
 */
public final class QuickStart {
    private QuickStart() {}

    public static void main(String[] args) throws Exception {
        // snippet: quickstart
        try (Sandbox sbx = Sandbox.builder()
                .metadata("app", "quickstart")
                .timeout(Duration.ofMinutes(10))
                .create()) {                                                  // closing kills it
            CommandResult r = sbx.commands().run("python3 -c 'print(6 * 7)'");
            System.out.println("python says " + r.stdout().strip());

            sbx.files().write("app/server.py",
                    "import http.server\n"
                            + "http.server.ThreadingHTTPServer(('', 3000), http.server.SimpleHTTPRequestHandler).serve_forever()\n");
            CommandHandle server = sbx.commands().start("cd app && python3 server.py",
                    new CommandOptions().onStderr(System.err::print));        // background, output streamed
            sbx.waitForPort(3000);

            ExposedPort web = sbx.expose(3000, new ExposeOptions()
                    .access(Access.PRIVATE)                                   // needs a credential (the default)
                    .link(Duration.ofMinutes(10))                             // and a link that opens it for 10 min
                    .readiness(Wait.forHttp("/").forStatusCode(200))          // checked from outside, via the edge
                    .process(server));                                        // fails at once if the server exits
            ShareLink link = web.link();                                      // https://3000-<id>.<domain>/?cove_token=…
            HttpClient.Builder client = HttpClient.newBuilder();
            if (sbx.config().sslContext() != null) client.sslContext(sbx.config().sslContext()); // trusts Cove's CA
            HttpResponse<String> page = client.build().send(HttpRequest.newBuilder(URI.create(link.url())).build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println(web.url() + " -> " + page.statusCode() + ", works until " + web.expiresAt());
            sbx.ports().revoke(link.id());                                    // 403 link_revoked from now on
            server.kill();
        }
        // end snippet
    }
}
