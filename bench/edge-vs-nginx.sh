#!/usr/bin/env bash
# Edge throughput and added latency against nginx, in one run, on this machine.
#
# An upstream (nginx, one worker, 100-byte body) runs inside a network namespace this script creates, with a
# routed veth pair so the host can reach it. A bounded wrk load (-c32, 10 s per run, 3 rounds, interleaved) then
# goes three ways:
#   direct  wrk -> 10.211.250.2:8000 (the namespace's veth address)
#   nginx   wrk -> nginx reverse proxy on 127.0.0.1 (2 workers, upstream keepalive, no buffering, no access log)
#   cove    wrk -> Cove's edge on 127.0.0.1 (Host routing, NetnsDialer into the namespace, no access log)
# and prints requests/s, p50 and p99 of each, the ratio Cove/nginx and the p99 each proxy adds over direct. Then the
# same three ways at light load (one connection, one request at a time), where latency is the path itself and not
# the queue in front of a saturated CPU: the added p99 there is what a single user of a URL feels.
# Traffic stays on loopback and inside the namespace. Usage (root): bench/edge-vs-nginx.sh [rounds] [seconds] [connections]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
export JAVA_HOME=${COVE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
rounds=${1:-3}; seconds=${2:-10}; conns=${3:-32}
[ "$rounds" -le 10 ] && [ "$seconds" -le 30 ] && [ "$conns" -le 256 ] || { echo "bounded: rounds<=10, seconds<=30, connections<=256" >&2; exit 2; }

ns=covebench-$$; hv=cvb$$h; sv=cvb$$s
work=$(mktemp -d /tmp/cove-edge-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -f "$work/origin.pid" ] && kill "$(cat "$work/origin.pid")" 2>/dev/null || true
  [ -f "$work/proxy.pid" ] && kill "$(cat "$work/proxy.pid")" 2>/dev/null || true
  sleep 0.3
  ip link del "$hv" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ ! -d "$here/target/lib" ] || [ ! -f "$here/target/classes/dev/cove/bench/EdgeBenchServer.class" ]; then
  (cd "$top" && mvn -B -q -o package -DskipTests -pl bench -am)
fi

# The "sandbox": a namespace with a routed /30, like Cove's own.
ip netns add "$ns"
ip link add "$hv" type veth peer name "$sv"
ip link set "$sv" netns "$ns"
ip addr add 10.211.250.1/30 dev "$hv"; ip link set "$hv" up
ip -n "$ns" addr add 10.211.250.2/30 dev "$sv"; ip -n "$ns" link set "$sv" up; ip -n "$ns" link set lo up

body=$(head -c 100 /dev/zero | tr '\0' 'x')
cat > "$work/origin.conf" <<EOF
worker_processes 1; daemon on; pid $work/origin.pid; error_log $work/origin.err warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 0.0.0.0:8000; location / { default_type text/plain; return 200 "$body"; } } }
EOF
cat > "$work/proxy.conf" <<EOF
worker_processes 2; daemon on; pid $work/proxy.pid; error_log $work/proxy.err warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream sandbox { server 10.211.250.2:8000; keepalive 256; }
  server { listen 127.0.0.1:18090;
    location / { proxy_pass http://sandbox; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme; proxy_set_header X-Forwarded-Host \$host;
      proxy_buffering off; } } }
EOF
ip netns exec "$ns" nginx -c "$work/origin.conf" -p "$work" -e "$work/origin.err"
nginx -c "$work/proxy.conf" -p "$work" -e "$work/proxy.err"

"$JAVA_HOME/bin/java" ${COVE_BENCH_JAVA_OPTS:-} -XX:+UseParallelGC -Xms512m -Xmx512m --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -cp "$here/target/classes:$here/target/lib/*" dev.cove.bench.EdgeBenchServer 18091 benchsandbox0000000001 "/run/netns/$ns" "$work/edge-data" \
  > "$work/edge.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "edge ready" "$work/edge.log" && break; sleep 0.1; done
grep -q "edge ready" "$work/edge.log" || { cat "$work/edge.log"; exit 1; }

host="8000-benchsandbox0000000001.cove.localhost"
declare -A url=([direct]="http://10.211.250.2:8000/" [nginx]="http://127.0.0.1:18090/" [cove]="http://127.0.0.1:18091/")
for t in direct nginx cove; do   # each answers, and the JIT / connection pools are warm before measuring
  curl -sf -o /dev/null -H "Host: $host" "${url[$t]}" || { echo "$t does not answer" >&2; exit 1; }
  wrk -t1 -c"$conns" -d5s -H "Host: $host" "${url[$t]}" > /dev/null
done
# The JVM's JIT needs longer than nginx: its cost per request settles after about 20 s of load on this machine. The
# warm-up comes in four runs, each with new connections, as a server with clients coming and going sees them: with a
# single run, the first measured round opened the first connections since the hot path was compiled, and paid for the
# recompilation (deoptimisation of the request path, then C2 again) inside the measurement.
for _ in 1 2 3 4; do wrk -t1 -c"$conns" -d5s -H "Host: $host" "${url[cove]}" > /dev/null; done

to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v*=1000 } printf "%.3f", v }'; }
mean() { echo "$1" | awk '{ s=0; for (i=1;i<=NF;i++) s+=$i; printf "%.3f", s/NF }'; }

# measure <connections> <label>: interleaved rounds of the three ways, then their means.
measure() {
  local c=$1 label=$2 r t out rq l50 l99 errs
  declare -A rps=() p50=() p99=()
  for r in $(seq "$rounds"); do
    for t in direct nginx cove; do
      out=$(wrk -t1 -c"$c" -d"${seconds}s" --latency -H "Host: $host" "${url[$t]}")
      rq=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      l50=$(echo "$out" | awk '$1=="50%" {print $2}' | to_ms)
      l99=$(echo "$out" | awk '$1=="99%" {print $2}' | to_ms)
      errs=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
      printf '%s round %d %-6s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms %s\n' "$label" "$r" "$t" "$rq" "$l50" "$l99" "$errs"
      rps[$t]+="$rq "; p50[$t]+="$l50 "; p99[$t]+="$l99 "
    done
  done
  echo
  echo "$label: mean of $rounds rounds (${seconds}s each, -c$c, 100-byte responses, keep-alive, $(nproc) cores shared by all):"
  for t in direct nginx cove; do
    printf '  %-6s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms\n' "$t" "$(mean "${rps[$t]}")" "$(mean "${p50[$t]}")" "$(mean "${p99[$t]}")"
  done
  awk -v c="$(mean "${rps[cove]}")" -v n="$(mean "${rps[nginx]}")" -v cs="${rps[cove]}" -v ns="${rps[nginx]}" 'BEGIN {
    printf "  throughput Cove/nginx: %.2f (per round:", c/n; k=split(cs, a, " "); split(ns, b, " ")
    for (i=1;i<=k;i++) { r[i]=a[i]/b[i]; printf " %.2f", r[i] }
    # The median of the rounds as well: on shared cores one noisy round moves the mean of a few rounds by several %.
    for (i=2;i<=k;i++) { v=r[i]; for (j=i-1; j>=1 && r[j]>v; j--) r[j+1]=r[j]; r[j+1]=v }
    printf "; median %.2f)\n", (k%2 ? r[(k+1)/2] : (r[k/2]+r[k/2+1])/2) }'
  awk -v c="$(mean "${p99[cove]}")" -v n="$(mean "${p99[nginx]}")" -v d="$(mean "${p99[direct]}")" \
    'BEGIN { printf "  p99 added over direct: Cove %+.3f ms, nginx %+.3f ms\n", c-d, n-d }'
  echo
}

measure "$conns" saturated
measure 1 "light load"
