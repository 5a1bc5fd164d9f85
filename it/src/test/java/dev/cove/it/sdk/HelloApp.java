package dev.cove.it.sdk;

import dev.cove.sdk.Sandbox;

/** The app an agent writes in the story tests: an HTTP server on 3000 that answers {@value #BODY}. */
final class HelloApp {
    static final String BODY = "hello from the sandbox";
    static final String PATH = "app/server.py";

    private HelloApp() {}

    /** Writes the app into the sandbox; start it with {@code python3 app/server.py}. */
    static void write(Sandbox sandbox) {
        sandbox.files().write(PATH, String.join("\n",
                "from http.server import BaseHTTPRequestHandler, HTTPServer",
                "class H(BaseHTTPRequestHandler):",
                "    def do_GET(self):",
                "        body = b'" + BODY + "'",
                "        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()",
                "        self.wfile.write(body)",
                "HTTPServer(('0.0.0.0', 3000), H).serve_forever()", ""));
    }
}
