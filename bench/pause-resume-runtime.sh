#!/usr/bin/env bash
# Pause and resume latency of the runtime alone (OciRuntime: cgroup freezer and stop/restart, no API, no edge):
# p50/p99/max over N rounds (default 20), with `runc pause`/`resume` alongside for comparison. Its own resource
# prefix, pools and data directory. Usage: bench/pause-resume-runtime.sh [rounds]      (as root; builds first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$here")
rounds=${1:-20}
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$top"
mvn -B -o -q -pl core,runtime install -DskipTests
mvn -B -o -q -pl runtime test-compile
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
mvn -B -o -q -pl runtime dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
COVE_LOG_LEVEL=${COVE_LOG_LEVEL:-INFO} "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "runtime/target/classes:runtime/target/test-classes:$(cat "$cp_file")" \
  dev.cove.runtime.PauseResumeRuntimeBench "$rounds"
