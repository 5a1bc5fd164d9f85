#!/usr/bin/env bash
# Starts a Cove server on loopback with a fresh data directory, creates one sandbox and prints p50/p99 of agent API
# round trips through the edge: `echo hi` (process.Process/Start), a 1 MB upload and a 1 MB download.
# Usage: bench/agent-roundtrip.sh [count]      (as root; builds first if needed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
count=${1:-200}
source "$here/lib/server.sh"
start_cove_server
"$JAVA_HOME/bin/java" -cp "$here/target/classes:$here/target/lib/*" dev.cove.bench.AgentRoundtripBench \
  "http://localhost:$port" "http://localhost:$port" "$key" "$count"
