package dev.cove.runtime;

import dev.cove.core.CoveException;
import dev.cove.core.net.SocketTable;
import dev.cove.core.runtime.EgressDenial;
import dev.cove.core.runtime.EgressPolicy;
import dev.cove.core.runtime.ExecResult;
import dev.cove.core.runtime.PauseState;
import dev.cove.core.runtime.ProcessSpec;
import dev.cove.core.runtime.LayerInfo;
import dev.cove.core.runtime.Progress;
import dev.cove.core.runtime.RuntimeSandbox;
import dev.cove.core.runtime.SandboxFiles;
import dev.cove.core.runtime.SandboxProcess;
import dev.cove.core.runtime.SandboxRuntime;
import dev.cove.core.runtime.SandboxRoot;
import dev.cove.core.runtime.SandboxSpec;
import dev.cove.core.runtime.StartCommand;
import dev.cove.core.runtime.SandboxUsage;
import dev.cove.runtime.disk.DiskPool;
import dev.cove.runtime.disk.SandboxDisk;
import dev.cove.runtime.pause.FreezerPause;
import dev.cove.runtime.pause.PauseStrategy;
import dev.cove.runtime.pause.StopPause;
import dev.cove.runtime.layers.ImageImport;
import dev.cove.runtime.template.TemplateStore;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The node runtime: every sandbox is an OCI container (runc or crun) on an overlay rootfs (template as the
 * read-only lower layer, a per-sandbox upper layer), in its own network namespace with a routed veth pair,
 * limited by cgroups (cpu, memory, pids; v1 and v2 alike through {@code linux.resources}).
 *
 * <p>Layout: {@code dataDir/sandboxes/<id>/} holds {@code runtime.json} (the journal of every host resource the
 * sandbox owns, written before any of them is made), {@code config.json} (OCI bundle), {@code disk.img} (the
 * sandbox's own ext4 file system, {@link SandboxDisk}) mounted at {@code disk/} with {@code upper/}, {@code work/}
 * and {@code console.log} in it (or, for a disk taken ready from {@link DiskPool}, both in
 * {@code dataDir/disk-pool/<random>/}, as the journal says), and {@code rootfs/} (the overlay mount point). The OCI
 * runtime's state is in {@code dataDir/<runc|crun>/}. Host names: netns and container id {@code <prefix>-<id>}, veths
 * {@code <prefix><slot>h|s}, cgroup {@code /<prefix>/<id>}.
 *
 * <p>Sandboxes outlive this object: {@link #close()} frees only the in-memory state, and a new instance on the
 * same data directory takes the sandboxes back with {@link #recover(Set)}. One instance per data directory
 * (enforced by a lock file). Thread-safe: calls for different ids run in parallel.
 *
 * <p>Pause ({@link #pause}): with memory, the cgroup freezer ({@link FreezerPause}); without, the container ends and
 * its overlay, bundle and network namespace stay ({@link StopPause}); {@code pause.json} in the sandbox directory
 * records it for a restart. A memory checkpoint to disk would be another {@link PauseStrategy}; CRIU does not work
 * on the kernels this runs on (see there).
 *
 * <p>This class is the facade: the work is done by its parts, which share one {@link Node} (the node's resources,
 * the held sandboxes and the per-id locks): {@link Creation} and {@link Teardown}, {@link Recovery}, {@link Pausing},
 * {@link Processes} and {@link Usage}.
 */
public final class OciRuntime implements SandboxRuntime {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OciRuntime.class);
    /** The node's resources and held sandboxes; package-private so that the runtime's tests can look inside. */
    final Node node;
    private final Usage usage;
    private final Teardown teardown;
    private final Creation creation;
    private final Recovery recovery;
    private final Pausing pausing;
    private final Processes processes;
    private final Layers layers;
    private final StartCommands starts;

    public OciRuntime(RuntimeConfig config) { this(config, Creation.StepHook.NONE); }

    /** With {@code hook} called after each create step (tests fail creates there). */
    OciRuntime(RuntimeConfig config, Creation.StepHook hook) {
        this.node = new Node(config);
        this.usage = new Usage(node);
        this.teardown = new Teardown(node, usage);
        this.creation = new Creation(node, teardown, hook);
        this.recovery = new Recovery(node, teardown);
        this.pausing = new Pausing(node, usage);
        this.processes = new Processes(node);
        this.layers = new Layers(node);
        this.starts = new StartCommands(processes);
    }

    /** The OCI runtime binary in use ({@code runc} or {@code crun}). */
    public String ociRuntimeName() { return node.oci.name(); }

    @Override
    public void ensureTemplate(String template, Progress progress) {
        if (!node.templates.knows(template)) throw TemplateStore.notFound(template);
        node.templates.ensure(template, progress == null ? Progress.NONE : progress);
    }

    @Override
    public boolean knowsTemplate(String template) { return node.templates.knows(template); }

    @Override
    public String templateRevision(String template) { return node.templates.revision(template); }

    /**
     * Creates the sandbox; with a start command (the spec's, else its template's) it returns once that command is
     * ready, and a start command that fails destroys the sandbox and throws 500 {@code sandbox_start_failed}.
     */
    @Override
    public RuntimeSandbox create(SandboxSpec spec) {
        RuntimeSandbox sandbox = creation.create(spec);
        StartCommand start = spec.startWith(spec.start() != null ? null
                : node.templates.startCommand(spec.template() == null ? "base" : spec.template()));
        if (start == null) return sandbox;
        try {
            StartCommands.save(node.dir(spec.id()), start);
            starts.run(spec.id(), start);
            return sandbox;
        } catch (IOException | RuntimeException e) {
            try {
                teardown.destroy(spec.id());
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e instanceof RuntimeException r ? r : new CoveException(500, "sandbox_create_failed",
                    "could not keep the start command of sandbox '" + spec.id() + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void destroy(String id) { teardown.destroy(id); }

    @Override
    public LayerInfo captureLayer(String id, String key, String parent, String description) {
        return layers.capture(id, key, parent, description);
    }

    @Override
    public LayerInfo importImage(String ref, Progress progress) {
        return ImageImport.importImage(node.layers, ref, progress == null ? Progress.NONE : progress).info();
    }

    @Override
    public SandboxRoot root(String id) { return layers.root(id); }

    @Override
    public LayerInfo layer(String key) { return layers.get(key); }

    @Override
    public List<LayerInfo> layers() { return layers.list(); }

    @Override
    public void deleteLayer(String key) { layers.delete(key); }

    @Override
    public Set<String> recover(Set<String> keep) { return recovery.recover(keep); }

    @Override
    public RuntimeSandbox get(String id) {
        HeldSandbox h = id == null ? null : node.held.get(id);
        return h == null ? null : h.sandbox;
    }

    @Override
    public List<String> list() { return List.copyOf(node.held.keySet()); }

    @Override
    public PauseState pauseState(String id) {
        HeldSandbox h = id == null ? null : node.held.get(id);
        return h == null ? null : h.state;
    }

    @Override
    public void pause(String id, boolean keepMemory) { pausing.pause(id, keepMemory); }

    @Override
    public RuntimeSandbox resume(String id) {
        PauseState before = pauseState(id);
        RuntimeSandbox sandbox = pausing.resume(id);
        // after a stop nothing of the start command runs any more: run it again, and wait, as at the create
        StartCommand start = before == PauseState.STOPPED ? StartCommands.load(node.dir(id)) : null;
        if (start != null) {
            try {
                starts.run(id, start);
            } catch (CoveException e) {
                log.warn("sandbox {}: its start command did not get ready after the resume: {}", id, e.getMessage());
            }
        }
        return sandbox;
    }

    @Override
    public ExecResult exec(String id, String user, List<String> argv, Duration timeout) {
        return processes.exec(id, user, argv, timeout);
    }

    @Override
    public SandboxProcess spawn(String id, ProcessSpec spec) { return processes.spawn(id, spec); }

    @Override
    public SandboxFiles files(String id) { return node.held(id).files; }

    /** Read from the host's {@code /proc} through the sandbox's init: this runtime is on the machine it serves. */
    @Override
    public SocketTable sockets(String id) {
        RuntimeSandbox sandbox = get(id);
        if (sandbox == null) throw CoveException.notFound("sandbox_not_found", "sandbox '" + id + "' not found");
        if (sandbox.initPid() <= 0) return new SocketTable(List.of()); // paused, stopped
        try {
            return SocketTable.ofProcess(sandbox.initPid());
        } catch (IOException e) {
            throw new CoveException(500, "ports_unreadable",
                    "The socket table of sandbox " + id + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Finding the owners walks the host's processes. */
    @Override
    public List<SocketTable.Owned> listeningPorts(String id) {
        SocketTable table = sockets(id);
        if (table.listeners().isEmpty()) return List.of();
        try {
            return SocketTable.owners(table, get(id).initPid());
        } catch (IOException | NullPointerException gone) { // ended between the two reads
            throw CoveException.notFound("sandbox_not_found", "sandbox '" + id + "' not found");
        }
    }

    @Override
    public SandboxUsage usage(String id) { return usage.usage(id); }

    @Override
    public void updateEgress(String id, EgressPolicy policy) {
        node.held(id);
        node.egress.update(id, policy, node.dir(id));
    }

    @Override
    public void checkEgress(EgressPolicy policy) { node.egress.compile(policy); }

    @Override
    public List<EgressDenial> egressDenials(String id) {
        node.held(id);
        return node.egress.denials(id);
    }

    @Override
    public long egressDenialCount(String id) {
        node.held(id);
        return node.egress.denialCount(id);
    }

    /** Frees the in-memory state and the data directory lock; the sandboxes keep running (see {@link #recover}). */
    @Override
    public void close() { node.close(); }
}
