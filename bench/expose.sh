#!/usr/bin/env bash
# The cost of exposing a port, through a Cove server that this script starts on loopback with a fresh data directory
# (shipped default: ports private): p50/p99 of expose with an HTTP readiness check, of making a share link, and of a
# request to a public port, to a private port with the sandbox's token, and with a share link (query, then cookie).
# Usage: bench/expose.sh [rounds]      (as root; builds first if needed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-50}
source "$here/lib/server.sh"
start_cove_server
"$JAVA_HOME/bin/java" -cp "$here/target/classes:$here/target/lib/*" dev.cove.bench.ExposeBench \
  "http://localhost:$port" "$key" "$data" covebnch "$rounds"
