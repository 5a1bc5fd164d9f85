#!/usr/bin/env bash
# WebSocket echo round trip through Cove's edge vs direct, in one run.
#
# A WebSocket echo server (edge/src/test/resources/sandbox-server.py) runs inside a network namespace this script
# creates (with a routed veth so the host can reach it directly). A JDK WebSocket client sends 32-byte messages one
# at a time and waits for each echo: first straight to the namespace's veth address, then through the edge (E2B's
# header routing on 127.0.0.1, NetnsDialer into the namespace). Prints p50/p90/p99 of both and the difference.
# Traffic stays on loopback and inside the namespace. Usage (root): bench/ws-echo.sh [messages]   (at most 100000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
count=${1:-5000}
[ "$count" -le 100000 ] || { echo "bounded: at most 100000 messages" >&2; exit 2; }
source "$here/lib/edge-sandbox.sh"
edge_sandbox ws 10.211.251 18092 benchsandbox0000000002
sandbox_server /usr/bin/python3 "$top/edge/src/test/resources/sandbox-server.py" --bind 0.0.0.0 --port 3000
start_edge
for _ in $(seq 100); do curl -sf -o /dev/null http://10.211.251.2:3000/ && break; sleep 0.1; done

run() { "$JAVA_HOME/bin/java" -cp "$here/target/classes:$here/target/lib/*" dev.cove.bench.WsEchoBench "$@"; }
direct=$(run "ws://10.211.251.2:3000/ws" "$count")
edge=$(run "ws://127.0.0.1:18092/ws" "$count" "E2b-Sandbox-Id: benchsandbox0000000002" "E2b-Sandbox-Port: 3000")
echo "WebSocket echo, 32-byte messages, one at a time ($(nproc) cores shared by client, edge and server):"
echo "  direct   $direct"
echo "  edge     $edge"
p() { echo "$1" | sed -E "s/.*$2 ([0-9.]+) us.*/\1/"; }
awk -v a="$(p "$edge" p50)" -v b="$(p "$direct" p50)" -v c="$(p "$edge" p99)" -v d="$(p "$direct" p99)" \
  'BEGIN { printf "  added by the edge: p50 %+.1f us, p99 %+.1f us\n", a-b, c-d }'
