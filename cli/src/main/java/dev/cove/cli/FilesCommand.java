package dev.cove.cli;

import dev.cove.sdk.CoveConfig;
import dev.cove.sdk.Sandbox;
import dev.cove.sdk.files.WriteInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;

@Command(name = "files", mixinStandardHelpOptions = true, description = "Move files in and out of sandboxes.",
        subcommands = FilesCommand.Cp.class)
final class FilesCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(((CoveCli) spec.root().userObject()).out); }

    @Command(name = "cp", mixinStandardHelpOptions = true,
            description = "Copy a file into or out of a sandbox (streamed, any size). A sandbox path is <id>:<path>; "
                    + "relative paths start at /home/user. - is standard input or output.",
            footer = {"%nExamples:", "  cove files cp ./app.py <id>:/home/user/app.py", "  cove files cp <id>:/etc/os-release .",
                    "  tar cz src | cove files cp - <id>:src.tgz", "  cove files cp <id>:out.json - | jq ."})
    static final class Cp extends Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SOURCE")
        String source;

        @Parameters(index = "1", paramLabel = "DESTINATION")
        String destination;

        @CommandLine.Option(names = {"-u", "--user"}, description = "user (default) or root.")
        String user;

        @Override
        public Integer call() throws IOException {
            Remote from = Remote.parse(source);
            Remote to = Remote.parse(destination);
            if ((from == null) == (to == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "exactly one of SOURCE and DESTINATION must be a sandbox path <id>:<path>");
            }
            CoveConfig config = config();
            long bytes;
            String what;
            if (to != null) {
                Sandbox sbx = Attach.to(to.id, config);
                String target = to.path;
                if (target.isEmpty() || target.endsWith("/")) {
                    if (source.equals("-")) throw new CommandLine.ParameterException(spec.commandLine(), "name the target file when reading standard input");
                    target = target + Path.of(source).getFileName();
                }
                CountingInputStream in = new CountingInputStream(source.equals("-") ? System.in : Files.newInputStream(Path.of(source)));
                WriteInfo w = (user == null ? sbx.files() : sbx.files().asUser(user)).write(target, in);
                bytes = in.count;
                what = source + " -> " + to.id + ":" + (w.path() != null ? w.path() : target);
            } else {
                Sandbox sbx = Attach.to(from.id, config);
                try (InputStream in = (user == null ? sbx.files() : sbx.files().asUser(user)).readStream(from.path)) {
                    if (destination.equals("-")) {
                        bytes = in.transferTo(out());
                        out().flush();
                    } else {
                        Path target = Path.of(destination);
                        if (Files.isDirectory(target)) target = target.resolve(Path.of(from.path).getFileName().toString());
                        bytes = Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                        destination = target.toString();
                    }
                }
                what = from.id + ":" + from.path + " -> " + destination;
            }
            if (json) {
                Output.json(destination.equals("-") ? err() : out(),
                        Output.object().put("source", source).put("destination", destination).put("bytes", bytes));
            } else if (!destination.equals("-")) {
                out().println("copied " + what + " (" + bytes + " bytes)");
            }
            return ExitCodes.OK;
        }
    }

    /** {@code <id>:<path>}; a local path is anything else (a path with a slash before the colon is local). */
    static final class Remote {
        final String id;
        final String path;

        private Remote(String id, String path) {
            this.id = id;
            this.path = path;
        }

        static Remote parse(String s) {
            int colon = s.indexOf(':');
            if (colon <= 0) return null;
            String id = s.substring(0, colon);
            if (!id.matches("[a-z0-9]+")) return null;
            return new Remote(id, s.substring(colon + 1));
        }
    }

    /** Counts what the upload read. */
    static final class CountingInputStream extends InputStream {
        private final InputStream in;
        long count;

        CountingInputStream(InputStream in) { this.in = in; }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }

        @Override
        public void close() throws IOException { in.close(); }
    }

}
