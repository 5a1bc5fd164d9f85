#!/usr/bin/env bash
# Cold start of the `cove` CLI: a new JVM per command, as a user runs it. Measures `cove --version` (JVM + picocli
# only) and `cove sandbox list --json` (plus the SDK, TLS and one HTTPS round trip to a server this script starts on
# loopback), each without and with a JDK 25 AOT cache (JEP 483/514: -XX:AOTCacheOutput on a training run, then
# -XX:AOTCache). Uses hyperfine when installed (apt-get install -y hyperfine), else a plain loop with `date`.
# Usage: bench/cli-cold-start.sh [runs]      (as root: it starts a server; builds first if needed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
export JAVA_HOME=${COVE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
runs=${1:-20}
[ -d "$top/cli/target/lib" ] || (cd "$top" && mvn -B -q -o -DskipTests install)

data=$(mktemp -d /tmp/cove-clibench.XXXXXX)
key="e2b_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
COVE_API_KEY=$key "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$top/server/target/classes:$top/server/target/lib/*" \
  dev.cove.server.Main server --data-dir "$data" --http-port 0 --https-port 0 --resource-prefix coveclib \
  --pool-subnet 10.215.0.0/16 --pool-subnet6 fd63:6f85::/32 \
  --template-dir "${COVE_TEMPLATE_CACHE:-/var/cache/cove/templates}" > "$data/server.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 600); do [ -f "$data/run/endpoints.json" ] && break; kill -0 "$server" || { cat "$data/server.log"; exit 1; }; sleep 0.5; done

export COVE_DATA_DIR=$data COVE_API_KEY=$key
# The JVM command line the `cove` script runs for client commands (classes directory + lib/*) ...
cli="$JAVA_HOME/bin/java -cp $top/cli/target/classes:$top/cli/target/lib/* dev.cove.cli.CoveCli"
# ... and the same from the module's jar, which an AOT cache needs (it refuses class directories on the path).
jarcp="$top/cli/target/cove-cli-0.1.0-SNAPSHOT.jar:$top/cli/target/lib/*"
jarcli="$JAVA_HOME/bin/java -cp $jarcp dev.cove.cli.CoveCli"
aot="$data/cove-cli.aot"
# Training run: the classes of a real command (SDK, HTTP client, TLS, Jackson) go into the cache.
$JAVA_HOME/bin/java -XX:AOTCacheOutput="$aot" -Xlog:aot=off -Xlog:cds=off -cp "$jarcp" dev.cove.cli.CoveCli sandbox list --json > /dev/null 2>&1
aotcli="$JAVA_HOME/bin/java -XX:AOTCache=$aot -Xlog:aot=off -Xlog:cds=off -cp $jarcp dev.cove.cli.CoveCli"
echo "AOT cache: $(du -h "$aot" | cut -f1)  (JDK $("$JAVA_HOME/bin/java" -version 2>&1 | head -1 | cut -d'"' -f2), $(nproc) cores)"

if command -v hyperfine > /dev/null; then
  hyperfine -N --warmup 2 --runs "$runs" --style basic \
    -n "cove --version (as ./cove runs it)" "$cli --version" \
    -n "cove --version (jar)" "$jarcli --version" \
    -n "cove --version (jar + AOT cache)" "$aotcli --version" \
    -n "cove sandbox list --json (as ./cove runs it)" "$cli sandbox list --json" \
    -n "cove sandbox list --json (jar)" "$jarcli sandbox list --json" \
    -n "cove sandbox list --json (jar + AOT cache)" "$aotcli sandbox list --json"
else
  for name in "--version" "sandbox list --json"; do
    for variant in plain jar aot; do
      c=$cli; [ $variant = jar ] && c=$jarcli; [ $variant = aot ] && c=$aotcli
      # shellcheck disable=SC2086
      start=$(date +%s%N); for _ in $(seq "$runs"); do $c $name > /dev/null; done; end=$(date +%s%N)
      echo "cove $name ($variant): mean $(( (end - start) / runs / 1000000 )) ms over $runs runs"
    done
  done
fi
