#!/usr/bin/env bash
# Snapshot timings for a sandbox with MB megabytes of changes (default 100): starts a Cove server on loopback with a
# fresh data directory and prints p50/p99 of a plain create (for comparison), createSnapshot, a create from the
# snapshot and a one-sandbox fork, over RUNS runs (default 5) after one warm-up.
# Usage: bench/snapshot.sh [runs] [mb]      (as root; build first: mvn -DskipTests package)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${1:-5}
mb=${2:-100}
source "$here/lib/server.sh"
start_cove_server
"$JAVA_HOME/bin/java" -cp "$here/target/classes:$here/target/lib/*" dev.cove.bench.SnapshotBench \
  "http://localhost:$port" "$key" "$runs" "$mb"
