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
data=$(mktemp -d /tmp/cove-bench-ci.XXXXXX)
key="e2b_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
COVE_API_KEY=$key "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dio.netty.machineId=00:00:00:00:00:00:00:01 \
  -cp "$top/server/target/classes:$top/server/target/lib/*" dev.cove.server.Main server \
  --data-dir "$data" --http-port 0 --https-port 0 --resource-prefix coveinti \
  --pool-subnet 10.253.0.0/16 --pool-subnet6 fd63:6f4d::/32 --deny-out 0.0.0.0/0,::/0 --dns-upstream 127.0.0.1:9 \
  --build-templates base,code-interpreter-v1 \
  --template-dir "${COVE_TEMPLATE_CACHE:-/var/cache/cove/templates}" > "$data/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1200); do
  [ -f "$data/run/endpoints.json" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$data/server.log"; exit 1; }
  sleep 0.25
done
https_port=$(sed -E 's/.*"httpsPort":([0-9]+).*/\1/' "$data/run/endpoints.json")
E2B_DOMAIN="cove.localhost:$https_port" E2B_API_KEY="$key" NODE_EXTRA_CA_CERTS="$data/tls/ca.crt" \
  node "$here/code-interpreter.mjs" "$top/it/compat/node_modules/@e2b/code-interpreter/dist/index.mjs" "$rounds" "$warm"
