package dev.cove.sdk.templates;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cove.sdk.internal.Json;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A template spec, built step by step as with E2B's {@code Template()} (JavaScript): where it starts
 * ({@link #fromBaseImage}, {@link #fromTemplate}, {@link #fromImage}), its steps, and a start command with a ready
 * check. {@link Templates#build} sends it. Paths given to {@link #copy} are relative to the file context
 * ({@link #create(Path)}; the working directory by default).
 * <pre>{@code
 * Template t = Template.create().fromBaseImage().aptInstall("jq").copy("app", "/home/user/app")
 *         .setWorkdir("/home/user/app").setStartCmd("python3 -m http.server 8080", ReadyCmd.waitForPort(8080));
 * Templates.build(t, "my-app", System.out::println, config);
 * }</pre>
 */
public final class Template {
    /** One {@code copy} step's source, uploaded before the build. */
    record Copy(int index, String src, String dest) {}

    private final Path context;
    private String fromImage = "e2bdev/base";
    private String fromTemplate;
    private final List<ObjectNode> steps = new ArrayList<>();
    private final List<Copy> copies = new ArrayList<>();
    private boolean forceNext;
    private String startCmd, readyCmd;

    private Template(Path context) { this.context = context; }

    /** Files for {@link #copy} come from the working directory. */
    public static Template create() { return new Template(Path.of("").toAbsolutePath()); }

    /** Files for {@link #copy} come from {@code context}. */
    public static Template create(Path context) { return new Template(context.toAbsolutePath()); }

    public Template fromBaseImage() { return fromImage("e2bdev/base"); }

    public Template fromDebianImage() { return fromImage("debian:stable"); }

    /** An OCI image, pulled by the server from its registry. */
    public Template fromImage(String ref) {
        this.fromImage = ref;
        this.fromTemplate = null;
        return this;
    }

    /** Another template (by name or id): its files, variables, user, working directory and start command. */
    public Template fromTemplate(String name) {
        this.fromTemplate = name;
        this.fromImage = null;
        return this;
    }

    public Template runCmd(String command) { return step("RUN", List.of(command)); }

    public Template runCmd(String command, String user) { return step("RUN", List.of(command, user)); }

    public Template aptInstall(String... packages) {
        return runCmd("apt-get update && DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y "
                + String.join(" ", packages), "root");
    }

    /** {@code pip install} as root (E2B's default, {@code g: true}). */
    public Template pipInstall(String... packages) { return runCmd("pip install " + String.join(" ", packages), "root"); }

    /** {@code npm install -g} as root. */
    public Template npmInstallGlobal(String... packages) {
        return runCmd("npm install -g " + String.join(" ", packages), "root");
    }

    /** {@code npm install} in the working directory, as the current user. */
    public Template npmInstall(String... packages) { return runCmd("npm install " + String.join(" ", packages)); }

    public Template copy(String src, String dest) { return copy(src, dest, "", ""); }

    /** @param user owner of the copied files ("" for the current user); @param mode e.g. {@code "0755"}, or "" */
    public Template copy(String src, String dest, String user, String mode) {
        if (src.startsWith("/") || src.contains(".."))
            throw new IllegalArgumentException("copy sources are relative to the file context, without '..': " + src);
        copies.add(new Copy(steps.size(), src, dest));
        return step("COPY", List.of(src, dest, user, mode));
    }

    public Template makeDir(String path) { return runCmd("mkdir -p " + quote(path)); }

    public Template setEnvs(Map<String, String> envs) {
        if (envs.isEmpty()) return this;
        List<String> args = new ArrayList<>();
        envs.forEach((k, v) -> { args.add(k); args.add(v); });
        return step("ENV", args);
    }

    public Template setWorkdir(String dir) { return step("WORKDIR", List.of(dir)); }

    public Template setUser(String user) { return step("USER", List.of(user)); }

    /** This step and every later one run again, whatever the cache has. */
    public Template skipCache() {
        forceNext = true;
        return this;
    }

    public Template setStartCmd(String command, ReadyCmd ready) {
        this.startCmd = command;
        this.readyCmd = ready == null ? null : ready.command();
        return this;
    }

    public Template setReadyCmd(ReadyCmd ready) {
        this.readyCmd = ready.command();
        return this;
    }

    private Template step(String type, List<String> args) {
        ObjectNode s = Json.object().put("type", type).put("force", forceNext);
        ArrayNode a = s.putArray("args");
        args.forEach(a::add);
        steps.add(s);
        return this;
    }

    Path context() { return context; }

    List<Copy> copies() { return Collections.unmodifiableList(copies); }

    /** The build body ({@code TemplateBuildStartV2}), {@code filesHash} set on each COPY from {@code hashes}. */
    ObjectNode body(Map<Integer, String> hashes) {
        ObjectNode b = Json.object();
        if (fromTemplate != null) b.put("fromTemplate", fromTemplate);
        else b.put("fromImage", fromImage);
        if (startCmd != null) b.put("startCmd", startCmd);
        if (readyCmd != null) b.put("readyCmd", readyCmd);
        b.put("force", false);
        ArrayNode s = b.putArray("steps");
        for (int i = 0; i < steps.size(); i++) {
            ObjectNode step = steps.get(i).deepCopy();
            if (hashes.containsKey(i)) step.put("filesHash", hashes.get(i));
            s.add(step);
        }
        return b;
    }

    /** Single-quoted for a POSIX shell. */
    static String quote(String s) { return "'" + s.replace("'", "'\\''") + "'"; }
}
