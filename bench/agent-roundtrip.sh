#!/usr/bin/env bash
# Starts a Cove server on loopback with a fresh data directory, creates one sandbox and prints p50/p99 of agent API
# round trips through the edge: `echo hi` (process.Process/Start), a 1 MB upload and a 1 MB download.
# Usage: bench/agent-roundtrip.sh [count]      (as root; builds first if needed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
export JAVA_HOME=${COVE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
count=${1:-200}
data=$(mktemp -d /tmp/cove-bench.XXXXXX)
key="e2b_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
COVE_API_KEY=$key "$top/cove" server --data-dir "$data" --http-port 0 --https-port 0 \
  --resource-prefix covebnch --pool-subnet 10.209.0.0/16 --deny-out 0.0.0.0/0,::/0 --dns-upstream 127.0.0.1:9 \
  --template-dir "${COVE_TEMPLATE_CACHE:-/var/cache/cove/templates}" > "$data/server.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 600); do [ -f "$data/run/endpoints.json" ] && break; kill -0 "$server" || { cat "$data/server.log"; exit 1; }; sleep 0.5; done
port=$(sed -E 's/.*"httpPort":([0-9]+).*/\1/' "$data/run/endpoints.json")
"$JAVA_HOME/bin/java" -cp "$here/target/classes:$here/target/lib/*" dev.cove.bench.AgentRoundtripBench \
  "http://localhost:$port" "http://localhost:$port" "$key" "$count"
