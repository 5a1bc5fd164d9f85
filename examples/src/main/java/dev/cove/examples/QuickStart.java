package dev.cove.examples;

import dev.cove.sdk.CommandHandle;
import dev.cove.sdk.CommandOptions;
import dev.cove.sdk.CommandResult;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.Wait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The agent's story with the Java SDK: create a sandbox, run code, write an app, start it in the background, wait
 * for its port and fetch it through Cove's edge. Run it on the machine where {@code ./cove up} runs (no configuration
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
            sbx.waitForPort(3000, Wait.forHttp("/").forStatusCode(200).withStartupTimeout(Duration.ofSeconds(30)));

            String url = "https://" + sbx.getHost(3000) + "/server.py";      // 3000-<id>.<domain>, lives as long as the sandbox
            HttpClient.Builder client = HttpClient.newBuilder();
            if (sbx.config().sslContext() != null) client.sslContext(sbx.config().sslContext()); // trusts Cove's CA
            HttpClient http = client.build();
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            System.out.println(url + " -> " + page.statusCode());
            server.kill();
        }
        // end snippet
    }
}
