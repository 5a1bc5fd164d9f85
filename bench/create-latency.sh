#!/usr/bin/env bash
# Create, first exec and destroy latency of the runtime alone (OciRuntime, no API, no edge): p50/p99/min/max over N
# sequential runs (default 20) after 3 warm-up runs. Its own resource prefix, pools and data directory.
# Usage: bench/create-latency.sh [runs]      (as root; builds first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/runtime-bench.sh"
run_runtime_bench CreateLatencyBench "${1:-20}"
