#!/usr/bin/env bash
# E2B's own JavaScript SDK test suite (vitest, packages/js-sdk/tests of github.com/e2b-dev/E2B) against a real Cove
# server with the drop-in settings (README): --default-port-access public --user-sudo, E2B_DOMAIN + Cove's CA,
# template base. Fetches nothing: give it a checkout of packages/js-sdk whose node_modules already hold vitest and
# the SDK's dependencies (see README, "E2B's own test suite"). Prints the counts and writes vitest's JSON report.
#
#   it/compat/e2b-suite.sh /path/to/E2B/packages/js-sdk [vitest filters...]
#
# Needs a built tree (mvn package) and root, as run.sh. COVE_COMPAT_PREFIX/POOL4/POOL6 as in run.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(cd "$here/../.." && pwd)
sdk=${1:?usage: e2b-suite.sh <E2B checkout>/packages/js-sdk [vitest filters...]}; shift
sdk=$(cd "$sdk" && pwd)
[ -x "$sdk/node_modules/.bin/vitest" ] || { echo "no vitest in $sdk/node_modules: install the suite's dependencies first"; exit 2; }
export JAVA_HOME=${COVE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
prefix=${COVE_COMPAT_PREFIX:-covee2b}
data=$(mktemp -d /tmp/cove-e2b-suite.XXXXXX)
key="e2b_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"

COVE_API_KEY=$key "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dio.netty.machineId=00:00:00:00:00:00:00:01 \
  -cp "$top/server/target/classes:$top/server/target/lib/*" dev.cove.server.Main server \
  --data-dir "$data" --http-port 0 --https-port 0 --resource-prefix "$prefix" \
  --pool-subnet "${COVE_COMPAT_POOL4:-10.214.0.0/16}" --pool-subnet6 "${COVE_COMPAT_POOL6:-fd63:6f84::/32}" \
  --deny-out 0.0.0.0/0,::/0 --dns-upstream 127.0.0.1:9 --default-port-access public --user-sudo \
  --template-dir "${COVE_TEMPLATE_CACHE:-/var/cache/cove/templates}" > "$data/server.log" 2>&1 &
server=$!
. "$here/lib/server.sh"
trap 'stop; echo "server log: $data/server.log"' EXIT
await_server

# E2B's own "unit" project (vitest.config.mts) without its browser project, whose config needs Playwright
cat > "$data/vitest.config.mts" <<CONFIG
export default {
  test: {
    root: '$sdk',
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/runtimes/**', 'tests/template/**', 'tests/connectionConfig.test.ts'],
    isolate: true, globals: false, testTimeout: 60_000, hookTimeout: 60_000, environment: 'node',
    setupFiles: ['tests/globalFetchFallback.setup.ts'], deps: { interopDefault: true }, fileParallelism: false,
  },
}
CONFIG
status=0
(cd "$sdk" && E2B_DOMAIN="cove.localhost:$https_port" E2B_API_KEY="$key" NODE_EXTRA_CA_CERTS="$data/tls/ca.crt" \
  node_modules/.bin/vitest run --config "$data/vitest.config.mts" --reporter=default --reporter=json \
  --outputFile.json="$data/report.json" "$@") > "$data/vitest.log" 2>&1 || status=$?
stop
trap - EXIT
node -e '
  const r = require(process.argv[1]); const by = {};
  for (const f of r.testResults) for (const t of f.assertionResults) by[t.status] = (by[t.status] || 0) + 1;
  console.log(`e2b suite: ${r.numTotalTests} tests: ${JSON.stringify(by)}`);
  for (const f of r.testResults) for (const t of f.assertionResults)
    if (t.status === "failed") console.log(`FAIL ${f.name.replace(process.argv[2] + "/", "")} > ${t.fullName}: ${(t.failureMessages[0] || "").split("\n")[0].slice(0, 200)}`);
' "$data/report.json" "$sdk" || tail -50 "$data/vitest.log"
leaks=$(ip netns list | grep -c "^$prefix-" || true)
[ "$leaks" = 0 ] || { echo "e2b suite: $leaks network namespaces of $prefix left behind"; status=1; }
# the runtime keeps its empty per-prefix parent cgroups between sandboxes; this run's go now (rmdir: only empty ones)
for d in /sys/fs/cgroup/*/"$prefix" /sys/fs/cgroup/"$prefix" /run/cove/roots/"$prefix"; do
  [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
done
echo "vitest log and report: $data (server.log, vitest.log, report.json)"
exit 0
