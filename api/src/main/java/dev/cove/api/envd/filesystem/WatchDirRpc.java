package dev.cove.api.envd.filesystem;

import dev.cove.api.envd.AgentRouter;
import dev.cove.api.envd.Connect;
import dev.cove.api.envd.EnvdCall;
import dev.cove.api.envd.Messages.Empty;
import dev.cove.api.envd.Messages.KeepAlive;
import dev.cove.api.envd.Messages.WatchDirRequest;
import dev.cove.api.envd.Messages.WatchDirResponse;
import dev.cove.core.runtime.FileEvent;
import dev.cove.core.runtime.SandboxFiles;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.cove.api.envd.filesystem.FilesystemService.required;

/** {@code filesystem.Filesystem/WatchDir}: {@code start}, then events and keepalives until the client leaves or the deadline passes. */
final class WatchDirRpc implements AgentRouter.Streaming<WatchDirRequest> {
    private final FilesystemService fs;

    WatchDirRpc(FilesystemService fs) { this.fs = fs; }

    @Override
    public void call(EnvdCall call, WatchDirRequest req, Connect.Stream stream) throws IOException {
        String dir = call.absolute(required(req.path(), "path"));
        BlockingQueue<FileEvent> queue = new ArrayBlockingQueue<>(4096);
        SandboxFiles.Watch watch = fs.files(call).watch(call.user(), dir, req.recursive(), e -> {
            if (!queue.offer(e)) queue.clear(); // a client that does not read loses events, not memory
        });
        try {
            stream.send(new WatchDirResponse(new Empty(), null, null));
            long deadline = call.timeoutMillis() > 0 ? System.nanoTime() + call.timeoutMillis() * 1_000_000 : Long.MAX_VALUE;
            long nextKeepalive = System.nanoTime() + call.keepaliveMillis() * 1_000_000;
            for (;;) {
                // wake up at least every second: to notice the deadline and a sandbox that ended
                long wait = Math.min(1000, Math.max(1, (nextKeepalive - System.nanoTime()) / 1_000_000));
                if (deadline != Long.MAX_VALUE) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        stream.end(null);
                        return;
                    }
                    wait = Math.min(wait, left);
                }
                FileEvent e;
                try {
                    e = queue.poll(wait, TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    stream.end(Connect.error("canceled", "the server is stopping"));
                    return;
                }
                if (e == null) {
                    if (fs.runtime.get(call.sandboxId()) == null) {
                        stream.end(Connect.error("unavailable", "the sandbox ended"));
                        return;
                    }
                    if (System.nanoTime() >= nextKeepalive) {
                        stream.send(new WatchDirResponse(null, null, new KeepAlive()));
                        nextKeepalive = System.nanoTime() + call.keepaliveMillis() * 1_000_000;
                    }
                    continue;
                }
                stream.send(new WatchDirResponse(null, fs.event(call, dir, req.includeEntry(), e), null));
            }
        } finally {
            watch.close();
        }
    }
}
