#!/usr/bin/env bash
# The code interpreter as an E2B user sees it: starts a Cove server on loopback (fresh data directory, sandbox egress
# denied, shipped private port default) with code-interpreter-v1 built, then with the official @e2b/code-interpreter
# (it/compat's node_modules) prints p50/p90 of Sandbox.create(), the first runCode after it and warm runCode('1+1').
# Usage (root, built tree): bench/code-interpreter.sh [sandboxes] [warm calls each]   (defaults 10 and 20)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
export JAVA_HOME=${COVE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
rounds=${1:-10}; warm=${2:-20}
[ "$rounds" -le 100 ] && [ "$warm" -le 1000 ] || { echo "bounded: at most 100 sandboxes and 1000 warm calls" >&2; exit 2; }
(cd "$top/it/compat" && npm ci --silent --no-progress)
. "$here/lib/server.sh"
# its own prefix and pools (the interpreter suite's), the shipped private port default, the template built ahead
COVE_BENCH_PREFIX=${COVE_BENCH_PREFIX:-coveinti} COVE_BENCH_POOL4=${COVE_BENCH_POOL4:-10.253.0.0/16}
COVE_BENCH_POOL6=${COVE_BENCH_POOL6:-fd63:6f4d::/32}
start_cove_server --build-templates base,code-interpreter-v1
https_port=$(sed -E 's/.*"httpsPort":([0-9]+).*/\1/' "$data/run/endpoints.json")
E2B_DOMAIN="cove.localhost:$https_port" E2B_API_KEY="$key" NODE_EXTRA_CA_CERTS="$data/tls/ca.crt" \
  node "$here/code-interpreter.mjs" "$top/it/compat/node_modules/@e2b/code-interpreter/dist/index.mjs" "$rounds" "$warm"
