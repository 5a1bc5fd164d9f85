#!/usr/bin/env bash
# Pause and resume latency of the runtime alone (OciRuntime: cgroup freezer and stop/restart, no API, no edge):
# p50/p99/max over N rounds (default 20), with `runc pause`/`resume` alongside for comparison. Its own resource
# prefix, pools and data directory. Usage: bench/pause-resume-runtime.sh [rounds]      (as root; builds first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/runtime-bench.sh"
run_runtime_bench PauseResumeRuntimeBench "${1:-20}"
