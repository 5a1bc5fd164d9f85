package dev.cove.bench;

import dev.cove.core.routing.SandboxRoute;
import dev.cove.edge.EdgeConfig;
import dev.cove.edge.EdgeServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Cove's edge alone, for {@code bench/edge-vs-nginx.sh} and {@code bench/ws-echo.sh}: plain HTTP on a loopback port,
 * one "sandbox" whose network namespace the script made, reached through the real {@code NetnsDialer}. No control
 * plane, no access log (the nginx it is compared with logs nothing either).
 *
 * <p>Usage: {@code EdgeBenchServer <http port> <sandbox id> <netns path> <data dir>} (the data dir holds the TLS
 * material the edge makes at start; the calling script removes it). To compare settings,
 * {@code -Dcove.bench.transport=auto|io_uring|epoll|nio} picks the edge's transport (as {@code --edge-transport} does)
 * and {@code -Dcove.bench.eventLoopThreads=<n>} overrides its thread count (one per processor for io_uring, two for epoll).
 */
public final class EdgeBenchServer {
    public static void main(String[] args) throws Exception {
        EdgeServer.turnOffLeakSamplingUnlessSet(); // as `cove server` does
        int port = Integer.parseInt(args[0]);
        String id = args[1];
        String netns = args[2];
        SandboxRoute route = new SandboxRoute(id, SandboxRoute.State.RUNNING, netns, null, null);
        Path dataDir = Files.createDirectories(Path.of(args[3]));
        EdgeConfig.Builder builder = EdgeConfig.builder("cove.localhost", dataDir, new InetSocketAddress(InetAddress.getLoopbackAddress(), 9))
                .listen(InetAddress.getLoopbackAddress()).httpPort(port).httpsPort(-1).accessLog(false);
        Integer threads = Integer.getInteger("cove.bench.eventLoopThreads");
        if (threads != null) builder.eventLoopThreads(threads);
        builder.transport(System.getProperty("cove.bench.transport", "auto"));
        EdgeConfig config = builder.build();
        CountDownLatch stop = new CountDownLatch(1);
        try (EdgeServer edge = new EdgeServer(config, sandboxId -> sandboxId.equals(id) ? route : null).start()) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            System.out.println("edge ready on 127.0.0.1:" + edge.httpPort());
            stop.await();
        }
    }
}
