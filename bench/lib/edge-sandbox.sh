# Sourced by the edge's round-trip benches (ws-echo.sh, grpc-echo.sh): a "sandbox" network namespace with a routed
# veth /30 (so the host can reach it directly too), a server started inside it, and Cove's edge alone
# (EdgeBenchServer, NetnsDialer into the namespace, E2B's header routing on 127.0.0.1). Everything goes on exit.
# Set before sourcing: $here (bench/), $top (the repository). Then:
#   edge_sandbox <name> <subnet prefix, e.g. 10.211.251> <edge port> <sandbox id>   → $ns, $work, $direct_ip
#   sandbox_server <command...>   starts it inside the namespace (output in $work/server.log)
#   start_edge                     starts the edge and waits until it is ready ($COVE_BENCH_JAVA_OPTS: extra JVM options)
export JAVA_HOME=${COVE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
pids=()

edge_sandbox() {
  ns=covebench$1-$$; hv=cvb$1$$h; sv=cvb$1$$s
  hv=${hv:0:15}; sv=${sv:0:15}
  edge_port=$3; sandbox_id=$4
  work=$(mktemp -d "/tmp/cove-$1-bench.XXXXXX")
  trap edge_sandbox_cleanup EXIT
  if [ ! -f "$here/target/classes/dev/cove/bench/EdgeBenchServer.class" ]; then
    (cd "$top" && mvn -B -q -o package -DskipTests -pl bench -am)
  fi
  ip netns add "$ns"
  ip link add "$hv" type veth peer name "$sv"
  ip link set "$sv" netns "$ns"
  ip addr add "$2.1/30" dev "$hv"; ip link set "$hv" up
  ip -n "$ns" addr add "$2.2/30" dev "$sv"; ip -n "$ns" link set "$sv" up; ip -n "$ns" link set lo up
  direct_ip=$2.2
}

sandbox_server() {
  ip netns exec "$ns" "$@" > "$work/server.log" 2>&1 &
  pids+=($!)
}

start_edge() {
  "$JAVA_HOME/bin/java" ${COVE_BENCH_JAVA_OPTS:-} -XX:+UseParallelGC -Xms256m -Xmx256m --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
    -cp "$here/target/classes:$here/target/lib/*" dev.cove.bench.EdgeBenchServer "$edge_port" "$sandbox_id" "/run/netns/$ns" "$work/edge-data" \
    > "$work/edge.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "edge ready" "$work/edge.log" && return; sleep 0.1; done
  cat "$work/edge.log"; exit 1
}

edge_sandbox_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip link del "$hv" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
