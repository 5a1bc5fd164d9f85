#!/usr/bin/env bash
# Template builds through the official e2b SDK against a Cove server this script starts (loopback, fresh data
# directory, a private template directory with the cached base linked in, sandbox egress denied: the build steps are
# offline). Prints build times cold and cached, and create times of base, of a 20-layer template and of a template
# with a start command. Usage: bench/template-build.sh [creates per template, default 10]   (as root; after
# `mvn package` and `npm ci` in it/compat)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
cache=${COVE_TEMPLATE_CACHE:-/var/cache/cove/templates}
templates=$(mktemp -d /tmp/cove-bench-templates.XXXXXX)
for t in "$cache"/base-*; do [ -d "$t" ] && ln -s "$t" "$templates/"; done
export COVE_TEMPLATE_CACHE=$templates
source "$here/lib/server.sh"
start_cove_server
trap 'stop_cove_server; rm -rf "$templates"' EXIT
COVE_TOP=$top RUNS=${1:-10} E2B_API_URL="http://api.cove.localhost:$port" E2B_DOMAIN="cove.localhost:$port" \
  E2B_API_KEY=$key node "$here/template-build.mjs"
