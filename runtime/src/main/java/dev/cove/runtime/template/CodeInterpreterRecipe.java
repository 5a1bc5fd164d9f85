package dev.cove.runtime.template;

import dev.cove.core.runtime.StartCommand;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The {@code code-interpreter-v1} template: the base image plus Debian's Jupyter and data stack (ipykernel,
 * jupyter_client, numpy, pandas, matplotlib, pexpect, Node.js) and Cove's code-interpreter server, installed under
 * {@value #SERVER_DIR} from this module's resources. The server's files are part of the set-up script, so a changed
 * server is a changed recipe and builds a new template.
 */
final class CodeInterpreterRecipe {

    static final String NAME = "code-interpreter-v1";
    static final String SERVER_DIR = "/opt/cove/code-interpreter";
    static final int PORT = 49999;
    /**
     * The server on {@value #PORT}, as {@code user} in its home (E2B's code runs there too); the create returns once
     * the port listens, which the server opens only after its default Python kernel is up (as E2B's does).
     */
    static final StartCommand START = new StartCommand("exec python3 " + SERVER_DIR + "/server.py --port " + PORT,
            StartCommand.waitForPort(PORT), "user", "/home/user", Map.of(), null);

    private static final String RESOURCES = "/dev/cove/runtime/template/code-interpreter/";
    /** Every file of the server; a list because a jar cannot be listed. */
    static final List<String> FILES = List.of("server.py", "contexts.py", "charts.py", "startup.py", "bash_kernel.py",
            "node_kernel.py", "node_driver.js", "kernels/cove-python/kernel.json", "kernels/cove-bash/kernel.json",
            "kernels/cove-javascript/kernel.json", "tests/test_server.py", "tests/test_charts.py");

    /**
     * Installed with apt inside the debootstrapped base (debootstrap's own resolver configures a set this large in
     * the wrong order). {@code python3-munkres} satisfies fontTools' "scipy or munkres" so that scipy (and with it a
     * compiler tool chain) stays out.
     */
    static final List<String> PACKAGES = List.of("python3-ipykernel", "python3-jupyter-client", "python3-pexpect",
            "python3-numpy", "python3-pandas", "python3-matplotlib", "python3-munkres", "nodejs");

    private CodeInterpreterRecipe() {}

    static TemplateStore.Recipe recipe(TemplateStore.Recipe base) {
        String apt = "set -eu -o pipefail\n"
                + "apt-get update -qq\n"
                // one line per package set up: the build's progress
                + "apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 " + String.join(" ", PACKAGES)
                + " | { grep --line-buffered -E '^(Get|Setting up|Need to get|After this)' || true; }\n";
        return new TemplateStore.Recipe(NAME, base.suite(), base.variant(), base.packages(),
                apt + base.setupScript() + installScript()).withStart(START);
    }

    /**
     * Writes the server's files (base64, so no byte of them is shell syntax), compiles them, and warms matplotlib's
     * font cache for {@code user}, which the first plot would otherwise pay for (seconds).
     */
    static String installScript() {
        StringBuilder s = new StringBuilder("# Cove's code-interpreter server\n");
        for (String file : FILES) {
            String target = SERVER_DIR + "/" + file;
            s.append("mkdir -p '").append(target, 0, target.lastIndexOf('/')).append("'\n");
            s.append("base64 -d > '").append(target).append("' <<'COVE_EOF'\n")
                    .append(Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(resource(file)))
                    .append("\nCOVE_EOF\n");
        }
        s.append("chmod -R a+rX,go-w ").append(SERVER_DIR).append('\n');
        s.append("python3 -m compileall -q ").append(SERVER_DIR).append(" >/dev/null\n");
        s.append("su user -c \"cd /home/user && python3 -c 'import matplotlib.pyplot'\" >/dev/null 2>&1 || true\n");
        return s.toString();
    }

    private static byte[] resource(String file) {
        try (InputStream in = CodeInterpreterRecipe.class.getResourceAsStream(RESOURCES + file)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCES + file);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
