#!/usr/bin/env bash
# gRPC unary call round trip through Cove's edge vs direct, in one run.
#
# An HTTP/2-only echo server (edge/src/test/resources/h2c-server.js, answering like a unary gRPC call: body echoed,
# grpc-status in trailers) runs under Node inside a network namespace this script creates (with a routed veth so the
# host can reach it directly). A Node HTTP/2 client (bench/grpc-echo-client.js) makes calls one at a time on one h2c
# connection: first straight to the namespace's veth address, then through the edge's plain port (E2B's header
# routing on 127.0.0.1; the edge goes on over h2c, NetnsDialer into the namespace). Prints p50/p90/p99 of both and the
# difference. Traffic stays on loopback and inside the namespace. Usage (root): bench/grpc-echo.sh [calls] (<= 100000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
count=${1:-5000}
[ "$count" -le 100000 ] || { echo "bounded: at most 100000 calls" >&2; exit 2; }
source "$here/lib/edge-sandbox.sh"
edge_sandbox grpc 10.211.253 18093 benchsandbox0000000003
sandbox_server node "$top/edge/src/test/resources/h2c-server.js" 0.0.0.0 50051
start_edge
for _ in $(seq 100); do curl -sf -o /dev/null --http2-prior-knowledge http://10.211.253.2:50051/ && break; sleep 0.1; done

run() { node "$here/grpc-echo-client.js" "$@"; }
# Warm-up first: Node's JIT needs little; the JVM's C2 compiles the edge's HTTP/2 path for several seconds of calls,
# and a short warm-up measures the compiler, not the edge.
direct=$(run "http://10.211.253.2:50051" "$count" 2000)
edge=$(run "http://127.0.0.1:18093" "$count" 30000 "E2b-Sandbox-Id: benchsandbox0000000003" "E2b-Sandbox-Port: 50051")
echo "gRPC-style unary calls over h2c, 32-byte messages, one at a time on one connection ($(nproc) cores shared by client, edge and server):"
echo "  direct   $direct"
echo "  edge     $edge"
p() { echo "$1" | sed -E "s/.*$2 ([0-9.]+) us.*/\1/"; }
awk -v a="$(p "$edge" p50)" -v b="$(p "$direct" p50)" -v c="$(p "$edge" p99)" -v d="$(p "$direct" p99)" \
  'BEGIN { printf "  added by the edge: p50 %+.1f us, p99 %+.1f us\n", a-b, c-d }'
