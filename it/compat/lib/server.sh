# Sourced by run.sh and e2b-suite.sh, after they started `cove server` in the background ($server, data dir $data):
# waits until the server wrote its endpoints (printing its log and exiting if it died first) and sets $https_port.
await_server() {
  for _ in $(seq 1200); do
    [ -f "$data/run/endpoints.json" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$data/server.log"; exit 1; }
    sleep 0.25
  done
  https_port=$(sed -E 's/.*"httpsPort":([0-9]+).*/\1/' "$data/run/endpoints.json")
}

# Ends the server started by the caller.
stop() {
  kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
}
