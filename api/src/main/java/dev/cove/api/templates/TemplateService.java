package dev.cove.api.templates;

import dev.cove.api.lifecycle.SandboxService;
import dev.cove.api.lifecycle.TemplateCatalog;
import dev.cove.api.lifecycle.TemplateResolver;
import dev.cove.api.store.BuildRecord;
import dev.cove.api.store.TemplateRecord;
import dev.cove.api.store.TemplateStore;
import dev.cove.core.CoveException;
import dev.cove.core.runtime.LayerInfo;
import dev.cove.core.runtime.SandboxRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;

/**
 * Templates built through the API: asks for builds, upload links and uploads of {@code copy} contexts, starts builds
 * (each on its own virtual thread, {@link #PARALLEL_BUILDS} at a time) and answers their status from the live log
 * while they run and from the row once they ended; lists and deletes templates. As the
 * {@link TemplateCatalog} of {@link TemplateResolver} it tells what a sandbox of a template is made of: its last ready
 * build's {@link BuiltImage}.
 */
public final class TemplateService implements TemplateCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateService.class);
    private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,127}$");
    private static final Pattern TAG = Pattern.compile("^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$");
    private static final Pattern HASH = Pattern.compile("^[0-9a-f]{64}$");
    private static final Duration UPLOAD_LINK_LIFETIME = Duration.ofHours(1);
    /**
     * The largest {@code copy} context the node stores (the API server takes bodies of any size, so the bound is
     * here): larger uploads are refused with 413 and nothing of them is kept.
     */
    static final long MAX_UPLOAD_BYTES = 8L << 30;
    static final int PARALLEL_BUILDS = 2;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TemplateStore store;
    private final SandboxService sandboxes;
    private final SandboxRuntime runtime;
    private final Clock clock;
    private final Path uploads;
    private final long maxUploadBytes;
    private final Map<String, BuildLog> running = new ConcurrentHashMap<>();
    private final Map<String, UploadGrant> grants = new ConcurrentHashMap<>();
    private final Semaphore slots = new Semaphore(PARALLEL_BUILDS, true);

    private record UploadGrant(String templateId, String hash, Instant expires) {}

    /** What {@code POST /v3/templates} answers. */
    public record Requested(TemplateRecord template, BuildRecord build) {}

    /** A build's status, with the log entries from the asked offset. */
    public record Status(BuildRecord build, List<BuildLog.Entry> entries, String reasonMessage, String reasonStep) {}

    public TemplateService(TemplateStore store, SandboxService sandboxes, SandboxRuntime runtime, Path dataDir,
                           Clock clock) {
        this(store, sandboxes, runtime, dataDir, clock, MAX_UPLOAD_BYTES);
    }

    TemplateService(TemplateStore store, SandboxService sandboxes, SandboxRuntime runtime, Path dataDir, Clock clock,
                    long maxUploadBytes) {
        this.maxUploadBytes = maxUploadBytes;
        this.store = store;
        this.sandboxes = sandboxes;
        this.runtime = runtime;
        this.clock = clock;
        this.uploads = dataDir.resolve("template-files");
    }

    /** Ends the builds a previous run left unfinished (their build sandboxes went with its recovery). */
    public void start() {
        for (BuildRecord b : store.unfinishedBuilds()) {
            BuildLog log = new BuildLog();
            log.error("finalize", "the server restarted during this build; build again");
            store.finishBuild(b.id(), "error", clock.instant(), null,
                    reason("the server restarted during this build; build again", null), log.json(), List.of());
        }
        sandboxes.templates().catalog(this);
    }

    // ------------------------------------------------------------------------------------------ builds

    /** A new build of template {@code nameWithTag} (made if new); E2B's {@code name} may carry {@code :tag}. */
    public Requested requestBuild(String nameWithTag, List<String> tags, Integer cpuCount, Integer memoryMB) {
        if (nameWithTag == null || nameWithTag.isBlank()) throw CoveException.badRequest("name is required");
        String name = nameWithTag;
        List<String> allTags = new java.util.ArrayList<>(tags == null ? List.of() : tags);
        int colon = nameWithTag.indexOf(':');
        if (colon >= 0) {
            name = nameWithTag.substring(0, colon);
            allTags.add(nameWithTag.substring(colon + 1));
        }
        if (!NAME.matcher(name).matches())
            throw CoveException.badRequest("Invalid template name '" + name + "': lower-case letters, digits, '.', '_'"
                    + " and '-', starting with a letter or digit");
        for (String t : allTags)
            if (!TAG.matcher(t).matches()) throw CoveException.badRequest("Invalid tag '" + t + "'");
        if (allTags.isEmpty()) allTags.add("default");
        if (runtime.knowsTemplate(name))
            throw new CoveException(409, "template_exists", "the name '" + name + "' belongs to a template of the node"
                    + " itself; choose another name");
        if (sandboxes.templates().snapshots().resolve(name).isPresent())
            throw new CoveException(409, "template_exists", "the name '" + name + "' belongs to a snapshot; choose "
                    + "another name (or delete the snapshot)");
        Instant now = clock.instant();
        int cpu = cpuCount != null && cpuCount > 0 ? cpuCount : sandboxes.config().cpuCount();
        int mem = memoryMB != null && memoryMB > 0 ? memoryMB : sandboxes.config().memoryMB();
        TemplateRecord t = store.insertOrGet(new TemplateRecord(newTemplateId(), name, now, now, cpu, mem, null));
        BuildRecord b = new BuildRecord(UUID.randomUUID().toString(), t.id(), "waiting", now, now, null, allTags, null,
                null, "[]", List.of());
        store.insertBuild(b);
        return new Requested(t, b);
    }

    /** Starts build {@code buildId} of {@code templateId} with {@code spec}; 409 when it is not waiting. */
    public void startBuild(String templateId, String buildId, BuildSpec spec) {
        TemplateRecord t = template(templateId);
        BuildRecord b = store.findBuild(buildId).filter(x -> x.templateId().equals(t.id()))
                .orElseThrow(() -> CoveException.notFound("build_not_found", "build '" + buildId + "' of template '"
                        + templateId + "' not found"));
        if (!b.status().equals("waiting"))
            throw new CoveException(409, "build_started",
                    "build '" + buildId + "' was started already (" + b.status() + ")");
        BuildLog log = new BuildLog();
        if (running.putIfAbsent(buildId, log) != null)
            throw new CoveException(409, "build_started", "build '" + buildId + "' was started already");
        store.markBuilding(buildId, clock.instant());
        Thread.ofVirtual().name("cove-build-" + buildId).start(() -> execute(t, buildId, spec, log));
    }

    private void execute(TemplateRecord t, String buildId, BuildSpec spec, BuildLog log) {
        long t0 = System.nanoTime();
        String image = null, reason = null;
        BuildRunner runner = new BuildRunner(runtime, uploads, log, buildId, t.cpuCount(), t.memoryMB(),
                sandboxes.config().hostTrust().builds());
        try {
            if (!slots.tryAcquire()) {
                log.info("base", "waiting for one of the " + PARALLEL_BUILDS + " builds running on this node to end");
                slots.acquire();
            }
            try {
                BuildRunner.Start start = resolveStart(spec, log);
                BuiltImage built = runner.run(spec, start);
                image = built.json();
                log.info("finalize", String.format("build ready in %.1f s: %d steps run, %d from the cache, %d layers",
                        (System.nanoTime() - t0) / 1e9, runner.ran, runner.cached, built.layers().size()));
            } finally {
                slots.release();
            }
        } catch (BuildRunner.Failure f) {
            log.error(f.step, f.getMessage());
            reason = reason(f.getMessage(), f.step);
        } catch (InterruptedException e) {
            reason = reason("the build was interrupted", null);
        } catch (RuntimeException e) {
            LOG.warn("Build {} of template {} failed", buildId, t.name(), e);
            log.error("finalize", "the build failed: " + e.getMessage());
            reason = reason("the build failed: " + e.getMessage(), null);
        }
        Instant now = clock.instant();
        try {
            store.finishBuild(buildId, image != null ? "ready" : "error", now, image, reason, log.json(),
                    List.copyOf(runner.made));
            if (image != null) store.setReadyBuild(t.id(), buildId, now);
        } finally {
            running.remove(buildId);
        }
        LOG.info("Build {} of template {}: {}", buildId, t.name(), image != null ? "ready" : "error");
    }

    /**
     * Where the build starts: Cove's Debian base for E2B's base and Debian images, an existing template, or any other
     * image pulled from its registry (skopeo, umoci) as a layer over the empty template.
     */
    private BuildRunner.Start resolveStart(BuildSpec spec, BuildLog log) {
        String d = BuildRunner.DEFAULT_USER, w = BuildRunner.DEFAULT_WORKDIR;
        if (spec.fromTemplate() != null) {
            String from = spec.fromTemplate();
            Optional<TemplateRecord> parent = store.findByName(from).or(() -> store.find(from));
            if (parent.isPresent()) {
                BuiltImage img = readyImage(parent.get()).orElseThrow(() -> new BuildRunner.Failure("base",
                        "template '" + from + "' has no ready build to build on"));
                log.info("base", "FROM template " + parent.get().name() + " (" + img.layers().size() + " layers)");
                return new BuildRunner.Start(img.base(), img.layers(), img.env(), img.user(), img.workdir(),
                        img.startCmd(), img.readyCmd(), false);
            }
            if (!runtime.knowsTemplate(from)) throw new BuildRunner.Failure("base", "template '" + from + "' not found");
            runtime.ensureTemplate(from, line -> log.info("base", line));
            log.info("base", "FROM template " + from);
            return new BuildRunner.Start(from, List.of(), Map.of(), d, w, null, null, false);
        }
        String image = spec.fromImage();
        String repo = image.contains(":") ? image.substring(0, image.indexOf(':')) : image;
        if (repo.equals("e2bdev/base") || repo.equals("debian") || repo.equals("library/debian")) {
            runtime.ensureTemplate("base", line -> log.info("base", line));
            log.info("base", "FROM " + image + ": Cove's Debian base template ('base')");
            return new BuildRunner.Start("base", List.of(), Map.of(), d, w, null, null, false);
        }
        LayerInfo pulled;
        try {
            pulled = runtime.importImage(image, line -> log.info("base", line));
        } catch (CoveException e) {
            throw new BuildRunner.Failure("base", "fromImage " + image + ": " + e.getMessage());
        }
        log.info("base", "FROM " + image + " (layer " + pulled.key() + ", " + pulled.sizeBytes() / (1 << 20) + " MiB)");
        return new BuildRunner.Start(SandboxRuntime.SCRATCH, List.of(pulled.key()), Map.of(), d, w, null, null, true);
    }

    public Status status(String templateId, String buildId, int logsOffset) {
        TemplateRecord t = template(templateId);
        BuildRecord b = store.findBuild(buildId).filter(x -> x.templateId().equals(t.id()))
                .orElseThrow(() -> CoveException.notFound("build_not_found", "build '" + buildId + "' of template '"
                        + templateId + "' not found"));
        BuildLog live = running.get(buildId);
        List<BuildLog.Entry> entries;
        if (live != null) {
            entries = live.from(logsOffset);
            // the row may say ready while the log is still being handed over: report it as building until it is gone
            if (!b.status().equals("building")) b = withStatus(b, "building");
        } else {
            List<BuildLog.Entry> all = BuildLog.parse(b.logs());
            entries = logsOffset >= all.size() ? List.of() : all.subList(Math.max(0, logsOffset), all.size());
        }
        String[] reason = reasonOf(b.reason());
        return new Status(b, entries, reason[0], reason[1]);
    }

    private static BuildRecord withStatus(BuildRecord b, String status) {
        return new BuildRecord(b.id(), b.templateId(), status, b.createdAt(), b.updatedAt(), b.finishedAt(), b.tags(),
                b.image(), b.reason(), b.logs(), b.madeLayers());
    }

    // ------------------------------------------------------------------------------------------ uploads

    /** The upload link of a {@code copy} context: present (nothing to send), or a URL to PUT the tar to. */
    public Map<String, Object> uploadLink(String templateId, String hash, String baseUrl) {
        TemplateRecord t = template(templateId);
        checkHash(hash);
        Map<String, Object> body = new LinkedHashMap<>();
        boolean present = Files.isRegularFile(uploadPath(uploads, hash));
        body.put("present", present);
        if (!present) {
            String token = newToken();
            grants.put(token, new UploadGrant(t.id(), hash, clock.instant().plus(UPLOAD_LINK_LIFETIME)));
            body.put("url", baseUrl + "/templates/" + t.id() + "/files/" + hash + "?token=" + token);
        }
        return body;
    }

    /**
     * Stores an uploaded context; 401 without the link's token (the upload carries no API key). The token is taken
     * before the body is read, so one link carries one upload: a second request with it (even while the first is still
     * sending) is refused; it is given back only when the upload could not be stored, for the client to send again.
     */
    public void upload(String templateId, String hash, String token, InputStream body) {
        checkHash(hash);
        UploadGrant g = token == null ? null : grants.remove(token);
        if (g == null || !g.templateId().equals(templateId) || !g.hash().equals(hash)
                || g.expires().isBefore(clock.instant()))
            throw new CoveException(401, "upload_not_allowed", "this upload link is not valid (or expired);"
                    + " ask for a new one: GET /templates/" + templateId + "/files/" + hash);
        boolean stored = false;
        try {
            Files.createDirectories(uploads);
            Path tmp = uploads.resolve(".tmp-" + hash + "-" + newToken().substring(0, 8));
            try {
                copyBounded(body, tmp);
                Files.move(tmp, uploadPath(uploads, hash), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                stored = true;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the upload " + hash, e);
        } finally {
            if (!stored) grants.putIfAbsent(token, g);
            grants.values().removeIf(x -> x.expires().isBefore(clock.instant()));
        }
    }

    /** Copies {@code body} to {@code file}; 413 (and the partial file is the caller's to delete) past the bound. */
    private void copyBounded(InputStream body, Path file) throws IOException {
        try (var out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.CREATE_NEW)) {
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int r;
            while ((r = body.read(buf)) > 0) {
                total += r;
                if (total > maxUploadBytes)
                    throw new CoveException(413, "upload_too_large", "the files of a copy step may take at most "
                            + maxUploadBytes + " bytes (as a tar); copy fewer files, or install them in a RUN step");
                out.write(buf, 0, r);
            }
        }
    }

    static Path uploadPath(Path uploads, String hash) {
        if (!HASH.matcher(hash).matches()) throw CoveException.badRequest("invalid files hash '" + hash + "'");
        return uploads.resolve(hash + ".tar");
    }

    private static void checkHash(String hash) {
        if (hash == null || !HASH.matcher(hash).matches())
            throw CoveException.badRequest("invalid files hash '" + hash + "': 64 hexadecimal digits (SHA-256)");
    }

    // ------------------------------------------------------------------------------------------ templates

    /** The template by id or name; 404 as E2B says it. */
    public TemplateRecord template(String idOrName) {
        return store.find(idOrName).or(() -> store.findByName(idOrName))
                .orElseThrow(() -> TemplateResolver.templateNotFound(idOrName));
    }

    public List<TemplateRecord> list() { return store.list(); }

    public List<BuildRecord> builds(String templateId) { return store.builds(templateId); }

    /** Bytes of the layers sandboxes of {@code t} stack (shared layers counted for each template). */
    public long layerBytes(TemplateRecord t) {
        return readyImage(t).map(img -> img.layers().stream().map(runtime::layer)
                .filter(l -> l != null).mapToLong(LayerInfo::sizeBytes).sum()).orElse(0L);
    }

    /**
     * Deletes the template, its builds and the layers no other template stacks (those a snapshot stands on are handed
     * to the snapshots). A snapshot id or name deletes that snapshot (E2B's {@code deleteSnapshot} is this call). 409
     * while a sandbox runs from it or one of its builds runs; 404 for an unknown id.
     */
    public void delete(String idOrName) {
        if (sandboxes.templates().snapshots().delete(idOrName)) return;
        TemplateRecord t = template(idOrName);
        long live = sandboxes.liveSandboxesOf(t.id());
        if (live > 0)
            throw new CoveException(409, "template_in_use", "template '" + t.name() + "' is in use by " + live
                    + " sandbox" + (live == 1 ? "" : "es") + "; kill " + (live == 1 ? "it" : "them") + " first");
        for (BuildRecord b : store.builds(t.id()))
            if (running.containsKey(b.id()))
                throw new CoveException(409, "template_in_use", "template '" + t.name() + "' has a build running");
        // what its builds stacked or made, but no other template's build stacks (a layer another one made from the
        // cache is that one's too)
        Set<String> mine = new HashSet<>(), others = new HashSet<>();
        for (TemplateRecord o : store.list())
            for (BuildRecord b : store.builds(o.id())) {
                Set<String> into = o.id().equals(t.id()) ? mine : others;
                if (b.image() != null) into.addAll(BuiltImage.parse(b.image()).layers());
                if (into == mine) into.addAll(b.madeLayers());
            }
        store.delete(t.id());
        mine.removeAll(others);
        for (String key : mine) {
            if (sandboxes.templates().snapshots().namesLayer(key)) {
                sandboxes.templates().snapshots().adoptLayer(key);
                continue;
            }
            try {
                runtime.deleteLayer(key);
            } catch (CoveException e) {
                LOG.info("Layer {} of deleted template {} kept: {}", key, t.name(), e.getMessage());
            }
        }
    }

    @Override
    public boolean namesLayer(String key) {
        for (TemplateRecord o : store.list())
            for (BuildRecord b : store.builds(o.id()))
                if (b.image() != null && BuiltImage.parse(b.image()).layers().contains(key)) return true;
        return false;
    }

    @Override
    public Optional<Image> resolve(String ref) {
        if (ref == null) return Optional.empty();
        Optional<TemplateRecord> t = store.find(ref).or(() -> store.findByName(ref));
        return t.flatMap(r -> readyImage(r).map(img -> img.image(r.id(), r.name())));
    }

    private Optional<BuiltImage> readyImage(TemplateRecord t) {
        if (t.readyBuildId() == null) return Optional.empty();
        return store.findBuild(t.readyBuildId()).filter(b -> b.image() != null).map(b -> BuiltImage.parse(b.image()));
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static String reason(String message, String step) {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("message", message);
        if (step != null) r.put("step", step);
        return dev.cove.api.Json.string(r);
    }

    private static String[] reasonOf(String json) {
        if (json == null) return new String[] {null, null};
        try {
            var node = dev.cove.api.Json.MAPPER.readTree(json);
            return new String[] {node.path("message").asText(null), node.path("step").asText(null)};
        } catch (IOException e) {
            return new String[] {json, null};
        }
    }

    private static String newTemplateId() { return BuildRunner.randomId() + "tpl"; }

    private static String newToken() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
