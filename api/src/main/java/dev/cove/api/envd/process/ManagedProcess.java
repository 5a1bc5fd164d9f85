package dev.cove.api.envd.process;

import dev.cove.api.envd.Messages.DataEvent;
import dev.cove.api.envd.Messages.EndEvent;
import dev.cove.api.envd.Messages.ProcessConfig;
import dev.cove.api.envd.Messages.ProcessEvent;
import dev.cove.core.runtime.SandboxProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A process the agent API started, with its output fanned out to the streams attached to it (the Start call's,
 * then any Connect call's). Output is pushed to each attached stream through a bounded queue, so a slow client
 * slows the process down (pipe back-pressure) instead of filling memory; output while nobody is attached is
 * dropped, as in E2B's envd. The process lives independently of every stream.
 */
final class ManagedProcess {
    private static final Logger LOG = LoggerFactory.getLogger(ManagedProcess.class);
    private static final int CHUNK = 32 * 1024;
    private static final int QUEUE = 64;
    /** After the process exited: how long output may pause before we stop waiting for the pipes to close. */
    private static final long DRAIN_IDLE_NANOS = 300_000_000L;

    final String sandboxId;
    final ProcessConfig config;
    final String tag;
    final SandboxProcess process;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicInteger readersLeft = new AtomicInteger();
    private final AtomicInteger delivering = new AtomicInteger();
    private final AtomicLong lastOutput = new AtomicLong(System.nanoTime());
    private volatile EndEvent end;

    ManagedProcess(String sandboxId, ProcessConfig config, String tag, SandboxProcess process) {
        this.sandboxId = sandboxId;
        this.config = config;
        this.tag = tag;
        this.process = process;
    }

    int pid() { return process.pid(); }

    EndEvent end() { return end; }

    /** A stream attached to the process's events. */
    static final class Subscriber {
        final BlockingQueue<ProcessEvent> queue = new ArrayBlockingQueue<>(QUEUE);
        volatile boolean gone;
        /** The sandbox stops running under the stream: it ends as a cut call, not with the process's end. */
        volatile boolean cut;
    }

    /**
     * The sandbox is about to be killed or paused: the streams attached now end as cut calls (E2B's stream breaks
     * there, and the SDK raises its TimeoutError), not with the end event the dying process would send. A stream
     * attached later (after a resume) is not affected.
     */
    void cut() {
        for (Subscriber s : subscribers) {
            s.cut = true;
            s.queue.offer(ProcessEvent.KEEPALIVE); // wakes the stream; when the queue is full it is awake anyway
        }
    }

    /** Attaches a stream; null when the process already ended (its end event is then {@link #end()}). */
    synchronized Subscriber subscribe() {
        if (end != null) return null;
        Subscriber s = new Subscriber();
        subscribers.add(s);
        return s;
    }

    void unsubscribe(Subscriber s) {
        s.gone = true;
        subscribers.remove(s);
        s.queue.clear();
    }

    /** Starts reading output and waiting for the exit; {@code onEnd} runs once the end is known, before it is sent. */
    void start(Consumer<ManagedProcess> onEnd) {
        InputStream err = process.stderr();
        readersLeft.set(err == null ? 1 : 2);
        boolean pty = process.pty();
        // Platform threads, not virtual ones: pipe and pty reads and the exit wait block in native code, which pins
        // a virtual thread's carrier; with one carrier per core, two idle processes would stall the whole server.
        Thread.Builder threads = Thread.ofPlatform().daemon().stackSize(256 * 1024);
        threads.name("cove-out-" + pid()).start(() -> pump(process.stdout(), pty ? 2 : 0));
        if (err != null) threads.name("cove-err-" + pid()).start(() -> pump(err, 1));
        threads.name("cove-wait-" + pid()).start(() -> awaitEnd(onEnd));
    }

    private void pump(InputStream in, int kind) {
        byte[] buf = new byte[CHUNK];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                lastOutput.set(System.nanoTime());
                byte[] chunk = Arrays.copyOf(buf, n);
                DataEvent d = switch (kind) {
                    case 0 -> new DataEvent(chunk, null, null);
                    case 1 -> new DataEvent(null, chunk, null);
                    default -> new DataEvent(null, null, chunk);
                };
                publish(ProcessEvent.data(d));
                lastOutput.set(System.nanoTime());
            }
        } catch (IOException e) {
            // closed: the process is gone
        } finally {
            readersLeft.decrementAndGet();
        }
    }

    private void publish(ProcessEvent event) {
        if (end != null) return;
        delivering.incrementAndGet();
        try {
            for (Subscriber s : subscribers) {
                while (!s.gone) {
                    try {
                        if (s.queue.offer(event, 100, TimeUnit.MILLISECONDS)) break;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        } finally {
            delivering.decrementAndGet();
        }
    }

    private void awaitEnd(Consumer<ManagedProcess> onEnd) {
        SandboxProcess.Exit exit;
        try {
            exit = process.waitFor();
        } catch (InterruptedException e) {
            return;
        }
        // Let the readers drain what the process wrote before it exited. A background child that keeps the
        // pipes open must not hold the end back forever: stop waiting once output pauses.
        while (readersLeft.get() > 0) {
            if (delivering.get() == 0 && System.nanoTime() - lastOutput.get() > DRAIN_IDLE_NANOS) break;
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                break;
            }
        }
        EndEvent e = endEvent(exit);
        ProcessEvent event = ProcessEvent.ended(e);
        List<Subscriber> attached;
        synchronized (this) {
            end = e; // from now on no one attaches and late output is dropped
            attached = List.copyOf(subscribers);
        }
        // before anyone hears of the end: a client that saw it and then signals or connects must find the process
        // gone (E2B's kill then answers false), not still listed
        try {
            onEnd.accept(this);
        } catch (RuntimeException ex) {
            LOG.debug("process end hook failed", ex);
        }
        for (Subscriber s : attached) {
            while (!s.gone) {
                try {
                    if (s.queue.offer(event, 100, TimeUnit.MILLISECONDS)) break;
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
    }

    /**
     * As envd says it: {@code status} is Go's {@code ProcessState.String()}; {@code error} is the text of the error
     * Go's {@code cmd.Wait()} returns, the same words, and only for a failed run (the SDK's CommandExitError takes
     * its message from it).
     */
    static EndEvent endEvent(SandboxProcess.Exit exit) {
        if (!exit.exited()) {
            String status = "signal: " + signalName(exit.signal());
            return new EndEvent(-1, false, status, status);
        }
        String status = "exit status " + exit.exitCode();
        return new EndEvent(exit.exitCode(), true, status, exit.exitCode() == 0 ? null : status);
    }

    /** Go's names, as in {@code ProcessState.String()}: "signal: killed", "signal: terminated", ... */
    static String signalName(int sig) {
        return switch (sig) {
            case 1 -> "hangup";
            case 2 -> "interrupt";
            case 3 -> "quit";
            case 6 -> "aborted";
            case 9 -> "killed";
            case 11 -> "segmentation fault";
            case 13 -> "broken pipe";
            case 14 -> "alarm clock";
            case 15 -> "terminated";
            default -> "signal " + sig;
        };
    }
}
