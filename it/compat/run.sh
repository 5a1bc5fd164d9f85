#!/usr/bin/env bash
# The e2b compatibility suite: starts a Cove server with a fresh data directory, configures the official
# e2b SDK exactly as a user would (E2B_DOMAIN, E2B_API_KEY, NODE_EXTRA_CA_CERTS; *.localhost resolves to
# loopback through the system resolver), runs the scenarios with both SDK versions, stops the server and
# checks that no sandbox resource is left. Needs a built tree (mvn package) and root.
# The server runs with --default-port-access public, the drop-in setting for E2B clients (README): E2B's ports
# are public unless a sandbox says allowPublicTraffic: false, and the scenarios fetch getHost(port) as E2B users do.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(cd "$here/../.." && pwd)
export JAVA_HOME=${COVE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
# COVE_COMPAT_PREFIX/POOL4/POOL6 let two runs share a host; COVE_COMPAT_TESTS picks test files (default: all but
# templates.test.mjs, whose builds install packages); COVE_COMPAT_EGRESS replaces the default egress flags (nothing
# beyond the host, no DNS); COVE_COMPAT_EGRESS=registries lets sandboxes reach the package registries this host's apt
# sources and npm config name, at the addresses the host resolves them to (which may be in ranges Cove closes by
# default).
# COVE_COMPAT_PORT_ACCESS=private runs the server with the shipped port default instead.
prefix=${COVE_COMPAT_PREFIX:-covecmp}
registries() {
  local hosts ips
  hosts=$( (cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -v '^\s*#'; npm config get registry 2>/dev/null) | grep -oE '(https?)://[^/ ]+' \
    | sed -E 's#^[a-z]+://##; s#:[0-9]+$##' | sort -u)
  ips=$(for h in $hosts; do getent ahosts "$h" | awk '{print $1}'; done | sort -u \
    | awk '{print ($0 ~ /:/) ? $0 "/128" : $0 "/32"}' | paste -sd, -)
  [ -n "$ips" ] && echo "--allow-private $ips"
}
egress=${COVE_COMPAT_EGRESS-"--deny-out 0.0.0.0/0,::/0 --dns-upstream 127.0.0.1:9"}
[ "$egress" = registries ] && egress=$(registries)
tests=${COVE_COMPAT_TESTS:-$(ls "$here"/test/*.test.mjs | grep -v '/templates\.test\.mjs$')}
data=$(mktemp -d /tmp/cove-compat.XXXXXX)
key="e2b_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"

(cd "$here" && npm ci --silent --no-progress)

COVE_API_KEY=$key "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dio.netty.machineId=00:00:00:00:00:00:00:01 \
  -cp "$top/server/target/classes:$top/server/target/lib/*" dev.cove.server.Main server \
  --data-dir "$data" --http-port 0 --https-port 0 --resource-prefix "$prefix" \
  --pool-subnet "${COVE_COMPAT_POOL4:-10.213.0.0/16}" --pool-subnet6 "${COVE_COMPAT_POOL6:-fd63:6f83::/32}" \
  $egress --default-port-access "${COVE_COMPAT_PORT_ACCESS:-public}" \
  --template-dir "${COVE_TEMPLATE_CACHE:-/var/cache/cove/templates}" "$@" > "$data/server.log" 2>&1 &
server=$!
. "$here/lib/server.sh"
trap 'stop; echo "server log: $data/server.log"' EXIT
await_server

status=0
E2B_DOMAIN="cove.localhost:$https_port" E2B_API_KEY="$key" NODE_EXTRA_CA_CERTS="$data/tls/ca.crt" \
  COVE_DATA_DIR="$data" COVE_PREFIX="$prefix" \
  node --test --test-concurrency=1 $tests || status=$?

stop
trap - EXIT
leaks=$(ip netns list | grep -c "^$prefix-" || true)
if [ "$leaks" != 0 ]; then echo "compat: $leaks network namespaces of $prefix left behind"; ip netns list; status=1; fi
[ "$status" = 0 ] && rm -rf "$data" || echo "server log kept: $data/server.log"
exit "$status"
