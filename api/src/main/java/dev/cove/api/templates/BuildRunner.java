package dev.cove.api.templates;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.LayerInfo;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.core.runtime.StartCommand;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs one build: the base, then each step in order, then {@code finalize} (the start command must get ready).
 *
 * <p>A step that changes files ({@code RUN}, {@code COPY}, {@code WORKDIR}) is keyed by its parent layer, the step
 * (type and arguments, the hash of copied files) and the state it runs in (user, working directory, variables). A
 * layer under that key on the node is the step's result already: the step is not run ({@code CACHED} in the log).
 * Otherwise a build sandbox is made from the base and the layers so far (Cove's isolation and egress, like any
 * sandbox), the step runs in it, and what it changed becomes the layer ({@link SandboxRuntime#captureLayer}); the
 * sandbox goes. Build sandboxes trust the host's CA bundle and proxy settings when the operator says so
 * ({@code --sandbox-host-trust builds}); that trust is mounted, not written, so no layer keeps it. A forced step
 * ({@code skipCache}, {@code force}) gets a key of its own build, so it and every step
 * after it run again. {@code ENV} and {@code USER} change only the state (and so the keys of later steps).
 */
final class BuildRunner {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(30);
    private static final int TAIL_LINES = 20;
    /** Default user and working directory of the steps and the start command: E2B's base image's. */
    static final String DEFAULT_USER = "user", DEFAULT_WORKDIR = "/home/user";
    /**
     * Copies a {@code copy} context (the SDK's tar, on stdin) into place, inside the build sandbox as root: owned by
     * {@code COVE_OWNER}, files given {@code COVE_MODE} when set; a directory's contents go into the destination, as
     * Docker's COPY does.
     */
    private static final String COPY_SCRIPT = """
            set -eu
            t=$(mktemp -d)
            if [ "$COVE_GZIP" = 1 ]; then tar -xzf - -C "$t" --no-same-owner; else tar -xf - -C "$t" --no-same-owner; fi
            chown -R "$COVE_OWNER:" "$t"
            if [ -n "$COVE_MODE" ]; then find "$t" -type f -exec chmod "$COVE_MODE" {} +; fi
            src="${COVE_SRC%/}"; dest="$COVE_DEST"
            new=0; [ -e "$dest" ] || new=1
            case "$src" in *'*'*|*'?'*|*'['*) glob=1 ;; *) glob=0 ;; esac
            if [ "$glob" = 0 ] && [ -d "$t/$src" ]; then
              mkdir -p "$dest"; cp -a "$t/$src/." "$dest/"
            elif [ "$glob" = 1 ] || [ "${dest%/}" != "$dest" ] || [ -d "$dest" ]; then
              mkdir -p "$dest"; for f in "$t"/$src; do cp -a "$f" "$dest/"; done
            else
              mkdir -p "$(dirname "$dest")"; cp -a "$t/$src" "$dest"
            fi
            if [ "$new" = 1 ] && [ -d "$dest" ]; then chown "$COVE_OWNER:" "$dest"; fi
            rm -rf "$t"
            """;
    /**
     * For the steps' processes only (not the template's env): E2B's {@code pipInstall} is {@code pip install} as root,
     * which Debian's Python refuses (PEP 668) unless told the system's packages may be changed.
     */
    private static final Map<String, String> RUN_ENV = Map.of("PIP_BREAK_SYSTEM_PACKAGES", "1");
    private static final String WORKDIR_SCRIPT =
            "[ -d \"$COVE_DIR\" ] || { mkdir -p \"$COVE_DIR\" && chown \"$COVE_OWNER:\" \"$COVE_DIR\"; }";

    /** Why a build failed: the step ({@code base}, a number, {@code finalize}) and what to tell the user. */
    static final class Failure extends RuntimeException {
        final String step;

        Failure(String step, String message) {
            super(message);
            this.step = step;
        }
    }

    /**
     * Where a build starts: the node's recipe, the layers over it, and the state its steps inherit; {@code image}: an
     * imported image, which gets E2B's user ({@code user}, uid 1000, a home, sudo when the image has it) first.
     */
    record Start(String base, List<String> layers, Map<String, String> env, String user, String workdir,
                 String startCmd, String readyCmd, boolean image) {}

    /** Makes {@code user} in an image that lacks it (shadow's useradd, or busybox's adduser). */
    private static final String IMAGE_USER_SCRIPT = """
            set -e
            if ! id -u user >/dev/null 2>&1; then
              if command -v useradd >/dev/null; then useradd --create-home --uid 1000 --user-group --shell /bin/sh user
              else adduser -D -u 1000 user; fi
            fi
            mkdir -p /home/user && chown user: /home/user
            if [ -d /etc/sudoers.d ]; then
              printf 'user ALL=(ALL:ALL) NOPASSWD: ALL\\n' > /etc/sudoers.d/user && chmod 0440 /etc/sudoers.d/user
            fi
            """;

    private final SandboxRuntime runtime;
    private final Path uploads;
    private final BuildLog log;
    private final String buildId;
    private final int cpuCount, memoryMB;
    private final boolean trustHost;

    // the state the steps move forward
    private final List<String> layers = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String base, user, workdir, parent;
    private boolean forced;
    int cached, ran;
    /** The layers this build made (for a template's delete to free, even when the build failed). */
    final List<String> made = java.util.Collections.synchronizedList(new ArrayList<>());

    BuildRunner(SandboxRuntime runtime, Path uploads, BuildLog log, String buildId, int cpuCount, int memoryMB,
                boolean trustHost) {
        this.trustHost = trustHost;
        this.runtime = runtime;
        this.uploads = uploads;
        this.log = log;
        this.buildId = buildId;
        this.cpuCount = cpuCount;
        this.memoryMB = memoryMB;
    }

    /** Runs {@code spec} from {@code start}; returns what sandboxes of the template are made of. */
    BuiltImage run(BuildSpec spec, Start start) {
        base = start.base();
        layers.addAll(start.layers());
        env.putAll(start.env());
        user = start.user();
        workdir = start.workdir();
        parent = layers.isEmpty() ? null : layers.getLast();
        forced = spec.force();
        if (start.image())
            layerStep(new BuildSpec.Step(0, "RUN", List.of(IMAGE_USER_SCRIPT, "root"), null, false), "base",
                    "[base] making user 'user' (uid 1000) in the image");
        int total = spec.steps().size();
        for (BuildSpec.Step step : spec.steps()) {
            forced |= step.force();
            String n = Integer.toString(step.number());
            String head = "[" + step.number() + "/" + total + "] " + step.describe();
            switch (step.type()) {
                case "ENV" -> {
                    if (step.args().size() % 2 != 0)
                        throw new Failure(n, "step " + n + " (ENV) has an odd number of arguments");
                    for (int i = 0; i + 1 < step.args().size(); i += 2) env.put(step.args().get(i), step.args().get(i + 1));
                    log.info(n, head);
                }
                case "USER" -> {
                    String u = step.arg(0);
                    if (!u.equals("root") && !u.equals("user"))
                        throw new Failure(n, "step " + n + " (USER " + u + "): Cove runs steps as 'root' or 'user'");
                    user = u;
                    log.info(n, head);
                }
                case "RUN", "COPY", "WORKDIR" -> layerStep(step, n, head);
                default -> throw new Failure(n, "step " + n + ": Cove cannot build steps of type '" + step.type() + "'");
            }
        }
        String startCmd = spec.startCmd() != null ? spec.startCmd() : start.startCmd();
        String readyCmd = spec.startCmd() != null || spec.readyCmd() != null ? spec.readyCmd() : start.readyCmd();
        BuiltImage image = new BuiltImage(base, layers, env, user, workdir, startCmd, readyCmd);
        finalizeStart(image);
        return image;
    }

    private void layerStep(BuildSpec.Step step, String n, String head) {
        if (layers.size() >= SandboxSpec.MAX_LAYERS)
            throw new Failure(n, "step " + n + " (" + step.describe() + "): a template may stack at most "
                    + SandboxSpec.MAX_LAYERS + " layers (one per RUN, COPY or WORKDIR, and those of the template it starts"
                    + " from); join RUN steps with && to use fewer");
        if (step.type().equals("WORKDIR")) workdir = absolute(step.arg(0));
        String key = key(step);
        LayerInfo existing = runtime.layer(key);
        if (existing != null) {
            log.info(n, "CACHED " + head);
            cached++;
        } else {
            log.info(n, head);
            long t0 = System.nanoTime();
            inSandbox(n, sid -> {
                switch (step.type()) {
                    case "RUN" -> run(n, sid, step);
                    case "COPY" -> copy(n, sid, step);
                    default -> exec(n, sid, "root", WORKDIR_SCRIPT, Map.of("COVE_DIR", workdir, "COVE_OWNER", user),
                            null, head);
                }
                // frozen first: a process the step left in the background cannot change files while they are copied
                runtime.pause(sid, true);
                runtime.captureLayer(sid, key, parent, step.describe());
                made.add(key);
            });
            log.info(n, String.format("[%d] done in %.1f s", step.number(), (System.nanoTime() - t0) / 1e9));
            ran++;
        }
        layers.add(key);
        parent = key;
    }

    @FunctionalInterface
    private interface InSandbox {
        void run(String sandboxId) throws IOException;
    }

    /** Makes a build sandbox on the state so far, runs {@code work} in it, and always destroys it. */
    private void inSandbox(String step, InSandbox work) {
        String sid = "bld" + randomId();
        try {
            runtime.create(new SandboxSpec(sid, base, cpuCount, memoryMB, 0, env, null, 0, layers, null, trustHost));
        } catch (CoveException e) {
            throw new Failure(step, "step " + step + ": could not make its build sandbox: " + e.getMessage());
        }
        try {
            work.run(sid);
        } catch (IOException e) {
            throw new Failure(step, "step " + step + " failed: " + e.getMessage());
        } catch (CoveException e) {
            throw new Failure(step, "step " + step + " failed: " + e.getMessage());
        } finally {
            try {
                runtime.destroy(sid);
            } catch (RuntimeException ignored) {
                // a restart's recovery sweeps what is left
            }
        }
    }

    private void run(String n, String sid, BuildSpec.Step step) {
        String as = step.arg(1).isEmpty() ? user : step.arg(1);
        if (!as.equals("root") && !as.equals("user"))
            throw new Failure(n, "step " + n + " (RUN as " + as + "): Cove runs steps as 'root' or 'user'");
        exec(n, sid, as, step.arg(0), RUN_ENV, null, "RUN " + step.arg(0));
    }

    private void copy(String n, String sid, BuildSpec.Step step) throws IOException {
        String hash = step.filesHash();
        Path file = hash == null ? null : TemplateService.uploadPath(uploads, hash);
        if (file == null || !Files.isRegularFile(file))
            throw new Failure(n, "step " + n + " (COPY " + step.arg(0) + "): its files were not uploaded (hash "
                    + hash + "); build again");
        String owner = step.arg(2).isEmpty() ? user : step.arg(2);
        if (!owner.equals("root") && !owner.equals("user"))
            throw new Failure(n, "step " + n + " (COPY as " + owner + "): Cove copies files for 'root' or 'user'");
        Map<String, String> vars = Map.of("COVE_SRC", step.arg(0), "COVE_DEST", absolute(step.arg(1)),
                "COVE_OWNER", owner, "COVE_MODE", step.arg(3), "COVE_GZIP", gzipped(file) ? "1" : "0");
        exec(n, sid, "root", COPY_SCRIPT, vars, file, "COPY " + step.arg(0) + " " + step.arg(1));
    }

    /**
     * Runs {@code script} in the sandbox with its output in the log; fails the step with the command, exit code and
     * the tail of the output when it does not exit 0.
     */
    private void exec(String n, String sid, String as, String script, Map<String, String> vars, Path stdin,
                      String what) {
        SandboxProcess p = runtime.spawn(sid, new ProcessSpec(as, List.of("/bin/bash", "-c", script), vars, workdir,
                null, stdin != null));
        Deque<String> tail = new ArrayDeque<>();
        Thread out = follow(p.stdout(), n, tail);
        Thread err = follow(p.stderr(), n, tail);
        try {
            if (stdin != null) {
                try (InputStream in = Files.newInputStream(stdin)) {
                    byte[] buf = new byte[64 * 1024];
                    int r;
                    while ((r = in.read(buf)) > 0) p.write(r == buf.length ? buf : java.util.Arrays.copyOf(buf, r));
                } catch (IOException e) {
                    // the process ended early; its exit says why
                }
                try {
                    p.closeStdin();
                } catch (IOException ignored) {
                    // ended already
                }
            }
            Thread waiter = Thread.ofVirtual().start(() -> {
                try {
                    p.waitFor();
                } catch (InterruptedException ignored) {
                    // killed below
                }
            });
            if (!waiter.join(STEP_TIMEOUT)) {
                p.signal(9);
                throw new Failure(n, "step " + n + " (" + what + ") did not finish in " + STEP_TIMEOUT.toMinutes()
                        + " minutes" + tailText(tail));
            }
            out.join(Duration.ofSeconds(5));
            err.join(Duration.ofSeconds(5));
            SandboxProcess.Exit exit = p.waitFor();
            if (!exit.exited() || exit.exitCode() != 0) {
                String how = exit.exited() ? "exit code " + exit.exitCode() : "signal " + exit.signal();
                throw new Failure(n, "step " + n + " (" + what + ") failed with " + how + tailText(tail));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.signal(9);
            throw new Failure(n, "step " + n + " was interrupted");
        }
    }

    private Thread follow(InputStream in, String n, Deque<String> tail) {
        return Thread.ofVirtual().start(() -> {
            if (in == null) return;
            try (in) {
                OutputLines.read(in, line -> {
                    log.info(n, line);
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > TAIL_LINES) tail.removeFirst();
                    }
                });
            } catch (IOException ignored) {
                // the sandbox went
            }
        });
    }

    private static String tailText(Deque<String> tail) {
        synchronized (tail) {
            return tail.isEmpty() ? "; it wrote no output" : "; its output ends with:\n" + String.join("\n", tail);
        }
    }

    /** The start command must get ready in a sandbox of the finished template, or the build fails here. */
    private void finalizeStart(BuiltImage image) {
        StartCommand start = image.start();
        if (start == null) return;
        log.info("finalize", "[finalize] start command: " + image.startCmd()
                + (image.readyCmd() == null ? "" : " (ready when: " + image.readyCmd() + ")"));
        long t0 = System.nanoTime();
        String sid = "bld" + randomId();
        try {
            runtime.create(new SandboxSpec(sid, base, cpuCount, memoryMB, 0, env, null, 0, layers, start, trustHost));
        } catch (CoveException e) {
            throw new Failure("finalize", "the start command did not get ready: " + e.getMessage());
        } finally {
            try {
                runtime.destroy(sid);
            } catch (RuntimeException ignored) {
                // swept by recovery
            }
        }
        log.info("finalize", String.format("[finalize] ready in %.1f s", (System.nanoTime() - t0) / 1e9));
    }

    /** The layer key of {@code step} in the current state (see the class comment). */
    private String key(BuildSpec.Step step) {
        StringBuilder b = new StringBuilder("cove-step-v1\n");
        // on the base itself: its revision, so a rebuilt base recipe never gets layers made on the old one
        b.append(parent == null ? "base:" + runtime.templateRevision(base) : parent).append('\n');
        b.append(step.type()).append('\n');
        for (String a : step.args()) b.append(a).append('\0');
        b.append('\n').append(step.filesHash()).append('\n').append(user).append('\n').append(workdir).append('\n');
        new TreeMap<>(env).forEach((k, v) -> b.append(k).append('=').append(v).append('\0'));
        if (forced) b.append("\nforced-by:").append(buildId);
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return "s" + HexFormat.of().formatHex(d).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String absolute(String path) {
        if (path.startsWith("/")) return path;
        return (workdir.endsWith("/") ? workdir : workdir + "/") + path;
    }

    private static boolean gzipped(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    static String randomId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder b = new StringBuilder(17);
        for (int i = 0; i < 17; i++) b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        return b.toString();
    }
}
