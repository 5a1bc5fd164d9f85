#!/usr/bin/env bash
# Cove as a cluster on this machine: a PostgreSQL of its own (initdb in a temporary directory, loopback port,
# stopped and deleted at the end) and up to three nodes (distinct data dirs, ports, prefixes and pools). Prints
# creates/s with one node and with three, a sandbox port through the node that holds it against through another node
# (p50/p99 at light load, req/s), and how long creates, kills and exposes take to reach another node's edge.
# Usage: bench/cluster.sh [requests]      (as root; needs a built tree: mvn -DskipTests package)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
export JAVA_HOME=${COVE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
count=${1:-2000}
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/cove-bench-cluster.XXXXXX)
key="e2b_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
pids=()
cleanup() {
  status=$?
  set +e # clean up everything, whatever fails on the way
  if [ "$status" != 0 ]; then for l in "$work"/n*.log; do [ -f "$l" ] && { echo "== $l" >&2; grep -E "WARN|ERROR" "$l" | tail -20 >&2; }; done; fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
  [ -f "$work/pg/data/postmaster.pid" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null
  rm -rf "$work"
  # the runtime keeps its empty parent cgroups between sandboxes; the bench's prefixes go now (rmdir: empty ones only)
  for d in /sys/fs/cgroup/*/covebcl? /sys/fs/cgroup/covebcl? /run/cove/roots/covebcl?; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
  return 0
}
trap cleanup EXIT

chmod 711 "$work"  # postgres must reach its directory inside
mkdir -p "$work/pg" && chown postgres:postgres "$work/pg"
pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'); echo "$pw" > "$work/pg/pw"; chown postgres "$work/pg/pw"
runuser -u postgres -- "$pgbin/initdb" -D "$work/pg/data" -U cove --pwfile "$work/pg/pw" -A scram-sha-256 --no-sync >/dev/null
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$pgport -c unix_socket_directories=$work/pg -c max_connections=100" start >/dev/null
PGPASSWORD=$pw runuser -u postgres -- "$pgbin/psql" -h "$work/pg" -p "$pgport" -U cove -d postgres -qc "CREATE DATABASE cove"

# node i (sets $port, its edge's HTTP port): prefix covebcl<a|b|c>; node 1 takes the spare pools, nodes 2 and 3 those of ClusterIT's nodes b and c (pools
# are /16 and /32 each; HostClaim refuses to start should that test run meanwhile)
pool4=("" 10.251.0.0/16 10.249.0.0/16 10.250.0.0/16)
pool6=("" fd63:6f4b::/32 fd63:6f49::/32 fd63:6f4a::/32)
start_node() {
  local i=$1 letter; letter=$(echo abc | cut -c"$i")
  mkdir -p "$work/n$i"
  PGPASSWORD=$pw COVE_API_KEY=$key "$top/cove" server --data-dir "$work/n$i" --http-port 0 --https-port 0 \
    --store "postgresql://cove@127.0.0.1:$pgport/cove" --node-name "n$i" \
    --resource-prefix "covebcl$letter" --pool-subnet "${pool4[$i]}" --pool-subnet6 "${pool6[$i]}" \
    --deny-out 0.0.0.0/0,::/0 --dns-upstream 127.0.0.1:9 --default-port-access public --default-memory-mb 256 \
    --template-dir "${COVE_TEMPLATE_CACHE:-/var/cache/cove/templates}" > "$work/n$i.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do
    [ -f "$work/n$i/run/endpoints.json" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/n$i.log" >&2; exit 1; }
    sleep 0.5
  done
  port=$(sed -E 's/.*"httpPort":([0-9]+).*/\1/' "$work/n$i/run/endpoints.json")
}
bench() { "$JAVA_HOME/bin/java" -cp "$here/target/classes:$here/target/lib/*" dev.cove.bench.ClusterBench "$@"; }

start_node 1; p1=$port
echo "== one node"
bench creates "$key" "$p1" 12 6
sleep 3 # the kills finish
start_node 2; p2=$port
start_node 3; p3=$port
echo "== three nodes"
bench creates "$key" "$p1" 12 6
sleep 3
bench routing "$key" "$count" "$p1" "$p2" "$p3"
