#!/usr/bin/env bash
# Pause, resume and wake-on-request latency through a Cove server that this script starts on loopback with a fresh
# data directory: p50/p99 of pause (freeze; file system only), resume (thaw; restart) and of the first byte of a
# request that wakes a paused autoResume sandbox.
# Usage: bench/pause-resume.sh [rounds]      (as root; builds first if needed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
rounds=${1:-20}
source "$here/lib/server.sh"
start_cove_server
"$JAVA_HOME/bin/java" -cp "$here/target/classes:$here/target/lib/*" dev.cove.bench.PauseResumeBench \
  "http://localhost:$port" "$key" "$data" covebnch "$rounds"
