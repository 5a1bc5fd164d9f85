#!/usr/bin/env bash
# Creates and kills N sandboxes (default 50) through the API of a Cove server that this script starts
# on loopback with a fresh data directory, and prints p50/p99 of create -> running and of kill.
# Usage: bench/create-kill.sh [count]      (as root; builds first if needed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
count=${1:-50}
source "$here/lib/server.sh"
start_cove_server
"$JAVA_HOME/bin/java" -cp "$here/target/classes:$here/target/lib/*" dev.cove.bench.CreateKillBench "http://localhost:$port" "$key" "$count"
