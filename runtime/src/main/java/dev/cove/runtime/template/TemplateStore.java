package dev.cove.runtime.template;

import dev.cove.core.CoveException;
import dev.cove.core.runtime.Progress;
import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.core.runtime.StartCommand;
import dev.cove.runtime.fs.FileTrees;
import dev.cove.runtime.fs.MountTable;
import dev.cove.runtime.oci.OciSpec;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Root file systems of templates, built with debootstrap on first use and cached under
 * {@code templateDir/<name>-<recipeHash>/rootfs}. The hash covers the whole recipe, so a changed recipe
 * builds a new directory and an unchanged one is never rebuilt. A build goes to a temporary directory
 * that is renamed into place when complete; a lock file keeps two processes from building at once.
 * A sandbox only ever mounts a template as a read-only overlay lower layer.
 */
public final class TemplateStore {

    /**
     * What a template is made of, and what its sandboxes run at their create ({@code start}, null for nothing; not
     * part of the {@link #hash}: it changes no file of the rootfs).
     */
    public record Recipe(String name, String suite, String variant, List<String> packages, String setupScript,
                         StartCommand start) {
        public Recipe(String name, String suite, String variant, List<String> packages, String setupScript) {
            this(name, suite, variant, packages, setupScript, null);
        }

        /** The same recipe whose sandboxes run {@code start} (and wait for its ready check) at their create. */
        public Recipe withStart(StartCommand start) {
            return new Recipe(name, suite, variant, packages, setupScript, start);
        }

        public String hash() {
            try {
                MessageDigest d = MessageDigest.getInstance("SHA-256");
                String text = "cove-template-v1\n" + name + "\n" + suite + "\n" + variant + "\n"
                        + String.join(",", packages) + "\n" + setupScript;
                return HexFormat.of().formatHex(d.digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 12);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** E2B's base user set-up: {@code user} (uid 1000, bash, home /home/user) with passwordless sudo. */
    static final String BASE_SETUP = """
            set -eu
            useradd --create-home --uid 1000 --user-group --shell /bin/bash --groups sudo user
            printf 'user ALL=(ALL:ALL) NOPASSWD: ALL\\n' > /etc/sudoers.d/user
            chmod 0440 /etc/sudoers.d/user
            printf '127.0.0.1\\tlocalhost\\n::1\\tlocalhost ip6-localhost ip6-loopback\\n' > /etc/hosts
            echo localhost > /etc/hostname
            : > /etc/resolv.conf
            apt-get clean
            rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/apt/* /var/log/dpkg.log
            """;

    /** The packages of {@code base}; a recipe built on it lists them and its own. */
    public static final List<String> BASE_PACKAGES = List.of("bash", "coreutils", "python3", "python3-pip",
            "python-is-python3", "curl", "sudo", "procps", "hostname", "ca-certificates", "iproute2", "git", "less",
            "xz-utils", "unzip");

    private static final Recipe BASE = new Recipe("base", "bookworm", "minbase", BASE_PACKAGES, BASE_SETUP);

    /** The templates this node builds itself, by name; add a recipe to the list to add a template. */
    public static final Map<String, Recipe> RECIPES = byName(List.of(BASE, CodeInterpreterRecipe.recipe(BASE)));

    private static Map<String, Recipe> byName(List<Recipe> recipes) {
        Map<String, Recipe> map = new LinkedHashMap<>();
        for (Recipe r : recipes)
            if (map.put(r.name(), r) != null) throw new IllegalStateException("two recipes named " + r.name());
        return Collections.unmodifiableMap(map);
    }

    private final Path templateDir;
    private final String mirrorOverride;
    /**
     * JVM-wide, keyed by lock file: a JVM may hold one file lock per file only, so two stores on the same
     * template directory (e.g. two runtimes in one test JVM) must queue here before taking the file lock.
     */
    private static final Map<Path, ReentrantLock> BUILD_LOCKS = new ConcurrentHashMap<>();
    private final Map<String, Path> ready = new ConcurrentHashMap<>();

    public TemplateStore(Path templateDir, String mirrorOverride) {
        this.templateDir = templateDir;
        this.mirrorOverride = mirrorOverride;
    }

    public boolean knows(String name) {
        return name != null && (RECIPES.containsKey(name) || name.equals(SandboxRuntime.SCRATCH));
    }

    /** {@code <name>-<recipe hash>}: changes whenever the recipe (and so the rootfs) does; 404 for an unknown name. */
    public String revision(String name) {
        if (SandboxRuntime.SCRATCH.equals(name)) return name;
        Recipe r = name == null ? null : RECIPES.get(name);
        if (r == null) throw notFound(name);
        return r.name() + "-" + r.hash();
    }

    /** What sandboxes of {@code name} run at their create, or null. */
    public StartCommand startCommand(String name) {
        Recipe r = name == null ? null : RECIPES.get(name);
        return r == null ? null : r.start();
    }

    public static CoveException notFound(String name) {
        return CoveException.notFound("template_not_found", "template '" + name + "' not found");
    }

    /** The built rootfs of {@code name}, or null if it is not built yet. */
    Path builtRootfs(String name) {
        Path cached = ready.get(name);
        if (cached != null) return cached;
        Recipe r = RECIPES.get(name);
        if (r == null) throw notFound(name);
        Path rootfs = templateDir.resolve(r.name() + "-" + r.hash()).resolve("rootfs");
        if (!Files.isDirectory(rootfs)) return null;
        ready.put(name, rootfs);
        return rootfs;
    }

    /** Builds {@code name} unless it is cached; returns its rootfs ({@code scratch}: an empty directory). */
    public Path ensure(String name, Progress progress) {
        if (SandboxRuntime.SCRATCH.equals(name)) return scratch();
        Path rootfs = builtRootfs(name);
        if (rootfs != null) return rootfs;
        Recipe recipe = RECIPES.get(name);
        String key = recipe.name() + "-" + recipe.hash();
        Path lockFile = templateDir.resolve(key + ".lock");
        ReentrantLock lock = BUILD_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        lock.lock();
        try {
            rootfs = builtRootfs(name);
            if (rootfs != null) return rootfs;
            Files.createDirectories(templateDir);
            try (FileChannel channel = FileChannel.open(lockFile,
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock fileLock = channel.tryLock();
                if (fileLock == null) {
                    say(progress, "another process is building template '" + name + "'; waiting for it");
                    fileLock = channel.lock();
                }
                try {
                    rootfs = builtRootfs(name);
                    if (rootfs != null) return rootfs;
                    return build(recipe, key, progress);
                } finally {
                    fileLock.release();
                }
            }
        } catch (IOException e) {
            throw new CoveException(500, "template_build_failed",
                    "building template '" + name + "' failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** The empty root under imported images ({@code <template-dir>/scratch/rootfs}, 0755, root's). */
    private Path scratch() {
        Path rootfs = templateDir.resolve(SandboxRuntime.SCRATCH).resolve("rootfs");
        try {
            Files.createDirectories(rootfs);
            Files.setPosixFilePermissions(rootfs, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new CoveException(500, "template_build_failed", "cannot make " + rootfs + ": " + e.getMessage(), e);
        }
        return rootfs;
    }

    private Path build(Recipe recipe, String key, Progress progress) throws IOException {
        removeStaleBuilds(key);
        long start = System.nanoTime();
        Path tmp = templateDir.resolve(key + ".tmp-" + UUID.randomUUID().toString().substring(0, 8));
        Path rootfs = tmp.resolve("rootfs");
        Files.createDirectories(tmp);
        try {
            AptSources.Source mirror = mirror(recipe.suite());
            say(progress, String.format("building template '%s' (Debian %s %s, %d extra packages) from %s; this takes about a minute",
                    recipe.name(), recipe.suite(), recipe.variant(), recipe.packages().size(), mirror.uri()));
            debootstrap(recipe, mirror, rootfs, progress, start);
            say(progress, elapsed(start) + " setting up users (root, user with passwordless sudo) and cleaning apt caches");
            chroot(rootfs, recipe.setupScript(), line -> say(progress, elapsed(start) + " " + line));
            for (String must : List.of("bin/bash", "usr/bin/python3", "home/user", "etc/sudoers.d/user"))
                if (!Files.exists(rootfs.resolve(must)))
                    throw new IOException("the built rootfs lacks /" + must);
            Files.writeString(tmp.resolve("recipe.txt"), "name=" + recipe.name() + "\nsuite=" + recipe.suite()
                    + "\nvariant=" + recipe.variant() + "\npackages=" + String.join(",", recipe.packages())
                    + "\nhash=" + recipe.hash() + "\n");
            if (!MountTable.mountsUnder(tmp).isEmpty())
                throw new IOException("debootstrap left mounts under " + tmp + ": " + MountTable.mountsUnder(tmp));
            Path dir = templateDir.resolve(key);
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            say(progress, elapsed(start) + " template '" + recipe.name() + "' ready in " + dir);
            Path built = dir.resolve("rootfs");
            ready.put(recipe.name(), built);
            return built;
        } catch (IOException | RuntimeException e) {
            discard(tmp);
            throw e;
        }
    }

    private AptSources.Source mirror(String suite) throws IOException {
        if (mirrorOverride != null && !mirrorOverride.isBlank())
            return new AptSources.Source(mirrorOverride, List.of(suite), List.of("main"), null, null);
        AptSources.Source s = AptSources.mirrorFor(AptSources.read(Path.of("/etc/apt")), suite);
        if (s == null) throw new IOException("no Debian mirror for '" + suite + "' in the host's apt sources"
                + " (/etc/apt/sources.list, /etc/apt/sources.list.d/*.sources); add one there or set templateMirror");
        return s;
    }

    private void debootstrap(Recipe recipe, AptSources.Source mirror, Path rootfs, Progress progress, long start)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("debootstrap", "--variant=" + recipe.variant(),
                "--components=main", "--include=" + String.join(",", recipe.packages())));
        if (mirror.signedBy() != null && Files.isRegularFile(Path.of(mirror.signedBy())))
            cmd.add("--keyring=" + mirror.signedBy());
        cmd.addAll(List.of(recipe.suite(), rootfs.toString(), mirror.uri()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        DebootstrapProgress parser = new DebootstrapProgress(progress, start);
        Deque<String> lastLines = new ArrayDeque<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                parser.line(line);
                lastLines.addLast(line);
                if (lastLines.size() > 15) lastLines.removeFirst();
            }
        }
        try {
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("debootstrap did not finish in 30 minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0)
            throw new IOException("debootstrap failed (exit " + p.exitValue() + "): " + String.join(" | ", lastLines));
    }

    /** Runs the recipe's set-up script in the new root; each line it prints is progress. */
    private static void chroot(Path rootfs, String script, java.util.function.Consumer<String> lines) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("chroot", rootfs.toString(), "/bin/bash", "-c", script)
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(Map.of("PATH", OciSpec.PATH, "HOME", "/root", "LANG", "C.UTF-8",
                "DEBIAN_FRONTEND", "noninteractive"));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        Deque<String> lastLines = new ArrayDeque<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) continue;
                lines.accept(line.strip());
                lastLines.addLast(line.strip());
                if (lastLines.size() > 15) lastLines.removeFirst();
            }
        }
        try {
            if (!p.waitFor(20, TimeUnit.MINUTES)) { // a recipe may install packages with apt (code-interpreter-v1)
                p.destroyForcibly();
                throw new IOException("template set-up script timed out");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (p.exitValue() != 0) throw new IOException("template set-up script failed: " + String.join(" | ", lastLines));
    }

    /** Leftovers of builds that died (crash, kill): unmount what debootstrap mounted, then delete. */
    private void removeStaleBuilds(String key) throws IOException {
        try (Stream<Path> s = Files.list(templateDir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(key + ".tmp-")).toList()) discard(p);
        }
    }

    private static void discard(Path tmp) {
        List<Path> left = MountTable.unmountAllUnder(tmp);
        if (!left.isEmpty()) return; // never delete through a mount
        try {
            FileTrees.deleteRecursively(tmp);
        } catch (IOException ignored) {
            // retried by the next build
        }
    }

    static void say(Progress progress, String line) {
        try {
            progress.step(line);
        } catch (RuntimeException ignored) {
            // a broken listener must not break the build
        }
    }

    static String elapsed(long start) {
        return String.format("[%5.1fs]", (System.nanoTime() - start) / 1e9);
    }

    /** Turns debootstrap's output into stages with counters: resolving, downloading n, installing i/N, ... */
    static final class DebootstrapProgress {
        private final Progress progress;
        private final long start;
        private int downloaded, extracted, unpacked, configured;

        DebootstrapProgress(Progress progress, long start) {
            this.progress = progress;
            this.start = start;
        }

        void line(String raw) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("I: Validating")) return;
            String msg;
            if (line.startsWith("I: Retrieving ") && !line.startsWith("I: Retrieving InRelease")
                    && !line.startsWith("I: Retrieving Release") && !line.startsWith("I: Retrieving Packages")) {
                msg = "downloading " + (++downloaded) + ": " + line.substring("I: Retrieving ".length());
            } else if (line.startsWith("I: Extracting ")) {
                msg = "extracting " + count(++extracted) + ": " + trimDots(line.substring("I: Extracting ".length()));
            } else if (line.startsWith("I: Unpacking ") && !line.startsWith("I: Unpacking required")
                    && !line.startsWith("I: Unpacking the base")) {
                msg = "installing " + count(++unpacked) + ": " + trimDots(line.substring("I: Unpacking ".length()));
            } else if (line.startsWith("I: Configuring ") && !line.startsWith("I: Configuring required")
                    && !line.startsWith("I: Configuring the base")) {
                msg = "configuring " + count(++configured) + ": " + trimDots(line.substring("I: Configuring ".length()));
            } else if (downloaded == 0 && line.startsWith("I: ")) {
                msg = "resolving: " + line.substring(3);
            } else {
                msg = line.startsWith("I: ") ? line.substring(3) : line; // keep W:/E: visible as such
            }
            say(progress, elapsed(start) + " " + msg);
        }

        private String count(int i) { return Math.min(i, Math.max(downloaded, i)) + "/" + Math.max(downloaded, i); }

        private static String trimDots(String s) { return s.endsWith("...") ? s.substring(0, s.length() - 3) : s; }
    }
}
