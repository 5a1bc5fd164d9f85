#!/usr/bin/env bash
# Egress control figures, against the script's own "internet" (a network namespace with 198.18.0.0/16 and
# 2001:2::/64 addresses, routed through the host; nothing is sent anywhere else):
#   1. sandbox create -> running through the API with the firewall in place (p50/p99, N creates)
#   2. TCP connect and HTTP GET latency to an allowed destination (p50/p99, M each):
#      unfiltered  : from a plain network namespace (routed veth, no Cove rules)
#      address     : from a sandbox, open policy (host-side nftables checks every packet)
#      domain      : from a sandbox whose allowOut is a domain (port 80 through the transparent filter)
# Usage: bench/egress.sh [creates=30] [connects=300]      (as root; build first: mvn -DskipTests install)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
export JAVA_HOME=${COVE_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
creates=${1:-30}; connects=${2:-300}
prefix=covebeg; inet=$prefix-inet; plain=$prefix-plain
data=$(mktemp -d /tmp/cove-bench-egress.XXXXXX)
key="e2b_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
fwd4=$(cat /proc/sys/net/ipv4/ip_forward); fwd6=$(cat /proc/sys/net/ipv6/conf/all/forwarding)
server=""; internet=""; sandboxes=(); api=""
cleanup() {
  for id in "${sandboxes[@]}"; do curl -s -X DELETE -H "X-API-KEY: $key" "$api/sandboxes/$id" >/dev/null || true; done
  [ -n "$server" ] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }
  [ -n "$internet" ] && { kill "$internet" 2>/dev/null; wait "$internet" 2>/dev/null || true; }
  ip link del ${prefix}ih 2>/dev/null || true; ip netns del $inet 2>/dev/null || true
  ip link del ${prefix}ph 2>/dev/null || true; ip netns del $plain 2>/dev/null || true
  nft delete table inet cove_${prefix}_10_216_0_0 2>/dev/null || true
  nft delete table arp cove_${prefix}_10_216_0_0 2>/dev/null || true
  find /sys/fs/cgroup -maxdepth 3 -type d -name $prefix -exec rmdir {} + 2>/dev/null || true
  echo "$fwd4" > /proc/sys/net/ipv4/ip_forward; echo "$fwd6" > /proc/sys/net/ipv6/conf/all/forwarding
  rm -rf "$data"
}
trap cleanup EXIT

# --- the script's internet: 198.18.0.2 (DNS), 198.18.1.10 (a.cove.test), 198.18.2.10
ip netns add $inet
ip link add ${prefix}ih type veth peer name ${prefix}is netns $inet
ip addr add 198.18.0.1/16 dev ${prefix}ih; ip link set ${prefix}ih up
for a in 198.18.0.2/16 198.18.1.10/16 198.18.2.10/16; do ip -n $inet addr add $a dev ${prefix}is; done
ip -n $inet link set ${prefix}is up; ip -n $inet link set lo up
ip -n $inet route add default via 198.18.0.1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=cove.test -days 1 \
  -keyout "$data/key.pem" -out "$data/cert.pem" 2>/dev/null
ip netns exec $inet /usr/bin/python3 "$top/runtime/src/test/resources/egress/internet.py" "$data/cert.pem" "$data/key.pem" \
  > "$data/internet.log" 2>&1 &
internet=$!

# --- a plain namespace routed through the host, no Cove rules: the unfiltered baseline
ip netns add $plain
ip link add ${prefix}ph type veth peer name ${prefix}ps netns $plain
ip addr add 10.217.0.1/30 dev ${prefix}ph; ip link set ${prefix}ph up
ip -n $plain addr add 10.217.0.2/30 dev ${prefix}ps; ip -n $plain link set ${prefix}ps up; ip -n $plain link set lo up
ip -n $plain route add default via 10.217.0.1

COVE_API_KEY=$key "$top/cove" server --data-dir "$data" --http-port 0 --https-port 0 \
  --resource-prefix $prefix --pool-subnet 10.216.0.0/16 --pool-subnet6 fd63:6f86::/32 --dns-upstream 198.18.0.2 \
  --allow-private 198.18.0.0/16,2001:2::/64 \
  --template-dir "${COVE_TEMPLATE_CACHE:-/var/cache/cove/templates}" > "$data/server.log" 2>&1 &
server=$!
for _ in $(seq 600); do [ -f "$data/run/endpoints.json" ] && break; kill -0 "$server" || { cat "$data/server.log"; exit 1; }; sleep 0.5; done
port=$(sed -E 's/.*"httpPort":([0-9]+).*/\1/' "$data/run/endpoints.json")
api="http://localhost:$port"
grep -q ready "$data/internet.log" || sleep 1

pct() { sort -n | awk '{a[NR]=$1} END {p50=a[int((NR+1)*0.50)]; p99=a[int(NR*0.99)>0?int(NR*0.99):NR]; printf "p50 %.2f ms  p99 %.2f ms  (n=%d)\n", p50, p99, NR}'; }
create() { curl -s -H "X-API-KEY: $key" -H 'Content-Type: application/json' -d "$1" "$api/sandboxes" | sed -E 's/.*"sandboxID":"([^"]+)".*/\1/'; }

echo "== sandbox create -> running through the API, firewall in place"
for _ in $(seq 3); do id=$(create '{"templateID":"base"}'); curl -s -X DELETE -H "X-API-KEY: $key" "$api/sandboxes/$id" >/dev/null; done
for _ in $(seq "$creates"); do
  t=$(curl -s -o "$data/created.json" -w '%{time_total}' -H "X-API-KEY: $key" -H 'Content-Type: application/json' \
      -d '{"templateID":"base","allow_internet_access":true,"network":{"denyOut":["198.18.9.0/24"]}}' "$api/sandboxes")
  echo "$t" | awk '{print $1*1000}' >> "$data/create.ms"
  id=$(sed -E 's/.*"sandboxID":"([^"]+)".*/\1/' "$data/created.json")
  curl -s -X DELETE -H "X-API-KEY: $key" "$api/sandboxes/$id" >/dev/null
done
pct < "$data/create.ms"

oci=runc; [ -d "$data/crun" ] && oci=crun
loop='
import socket, sys, time
mode, host, port, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
errors = 0
for i in range(n + 20):
    t0 = time.perf_counter()
    try:
        s = socket.create_connection((host, port), timeout=3)
        if mode == "http":
            s.sendall(("GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % name).encode())
            while s.recv(65536): pass
        s.close()
    except OSError:
        errors += 1
        continue
    dt = (time.perf_counter() - t0) * 1000
    if i >= 20: print("%.3f" % dt)
    time.sleep(0.006)  # under the budget of 200 new connections a second per sandbox
if errors: print("%d attempts failed" % errors, file=sys.stderr)
'
inside() { local id=$1; shift; $oci --root "$data/$oci" exec "$prefix-$id" python3 -c "$loop" "$@"; }
open=$(create '{"templateID":"base"}')
dom=$(create '{"templateID":"base","network":{"allowOut":["a.cove.test"],"denyOut":["0.0.0.0/0"]}}')
sandboxes=("$open" "$dom")

echo "== TCP connect to 198.18.1.10:8080"
printf '  unfiltered (plain netns)      : '; ip netns exec $plain /usr/bin/python3 -c "$loop" tcp 198.18.1.10 8080 x "$connects" | pct
printf '  sandbox, address rules        : '; inside "$open" tcp 198.18.1.10 8080 x "$connects" | pct
echo "== HTTP GET (connect + request + response) to 198.18.1.10:80"
printf '  unfiltered (plain netns)      : '; ip netns exec $plain /usr/bin/python3 -c "$loop" http 198.18.1.10 80 a.cove.test "$connects" | pct
printf '  sandbox, address rules        : '; inside "$open" http 198.18.1.10 80 a.cove.test "$connects" | pct
printf '  sandbox, domain rule (filter) : '; inside "$dom" http 198.18.1.10 80 a.cove.test "$connects" | pct
