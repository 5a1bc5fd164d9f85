/**
 * Benchmarks, each a {@code main} run by its script under {@code bench/}: the runtime alone (create, exec, pause and
 * resume latency, with {@link dev.cove.bench.RuntimeBenchHost}'s own prefix, pools and data directory so they run
 * next to the test suites and a real node), the edge alone ({@link dev.cove.bench.EdgeBenchServer}), and a running
 * server's API, agent API and edge (create/kill, expose, pause/resume, agent round trips, WebSocket echo). They print
 * percentiles ({@link dev.cove.bench.Stats}) and assert nothing.
 *
 * <p>No test suite runs them, and no other module depends on this one. They use the modules' public API only, and
 * touch only the sandboxes and host resources they make themselves.
 */
package dev.cove.bench;
