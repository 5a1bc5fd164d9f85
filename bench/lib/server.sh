# Sourced by bench scripts: starts a Cove server on loopback with a fresh data directory, sandbox egress denied
# and lookups kept local (nothing a benchmark does leaves the machine), and stops it on exit.
# COVE_BENCH_PREFIX / COVE_BENCH_POOL4 / COVE_BENCH_POOL6 let a run share the host with other servers.
# After `start_cove_server`: $data, $key, $server (pid) and $port (plain HTTP port of the edge) are set.
export JAVA_HOME=${COVE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}

start_cove_server() {
  # COVE_BENCH_SERVER_HOME: run the server of another checkout (a baseline), measured by this tree's clients
  local top; top=${COVE_BENCH_SERVER_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
  data=$(mktemp -d /tmp/cove-bench.XXXXXX)
  key="e2b_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  COVE_API_KEY=$key "$top/cove" server --data-dir "$data" --http-port 0 --https-port 0 \
    --resource-prefix "${COVE_BENCH_PREFIX:-covebnch}" --pool-subnet "${COVE_BENCH_POOL4:-10.209.0.0/16}" \
    ${COVE_BENCH_POOL6:+--pool-subnet6 "$COVE_BENCH_POOL6"} --deny-out 0.0.0.0/0,::/0 --dns-upstream 127.0.0.1:9 \
    --template-dir "${COVE_TEMPLATE_CACHE:-/var/cache/cove/templates}" "$@" ${COVE_BENCH_SERVER_FLAGS:-} \
    > "$data/server.log" 2>&1 &
  server=$!
  trap stop_cove_server EXIT
  for _ in $(seq 600); do
    [ -f "$data/run/endpoints.json" ] && break
    kill -0 "$server" || { cat "$data/server.log"; exit 1; }
    sleep 0.5
  done
  port=$(sed -E 's/.*"httpPort":([0-9]+).*/\1/' "$data/run/endpoints.json")
}

stop_cove_server() {
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true
  rm -rf "$data"
  # the runtime keeps its empty per-prefix parent cgroups between sandboxes; they go with the run (only empty ones)
  local p=${COVE_BENCH_PREFIX:-covebnch} d
  for d in /sys/fs/cgroup/*/"$p" /sys/fs/cgroup/"$p" /run/cove/roots/"$p"; do
    [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
  done
}
