#!/usr/bin/env bash
# Memory per idle sandbox: starts a Cove server on loopback with a fresh data directory, creates N sandboxes
# (default 10), runs `echo hi` in each, lets them settle and prints the host's MemAvailable drop, the sandboxes'
# cgroup memory and the server's RSS growth, per sandbox.
# Usage: bench/idle-memory.sh [count]      (as root; builds first if needed)
#   COVE_BENCH_SERVER_HOME=<another checkout> measures that checkout's server (a baseline);
#   COVE_BENCH_SERVER_FLAGS="--no-user-namespaces" passes server flags.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
count=${1:-10}
[ -d "$here/target/lib" ] || (cd "$top" && mvn -B -q -o package -DskipTests -pl bench -am)
source "$here/lib/server.sh"
start_cove_server
"$JAVA_HOME/bin/java" -cp "$here/target/classes:$here/target/lib/*" dev.cove.bench.IdleMemoryBench \
  "http://localhost:$port" "$key" "$server" "$count"
