# Sourced by the benchmarks of the runtime alone (no server): builds the bench module and what it depends on (into
# target/ directories only, nothing installed) and runs one of its main classes with the module's classpath.
# Usage after sourcing: run_runtime_bench <class in dev.cove.bench> [args...]      (as root)
export JAVA_HOME=${COVE_JAVA_HOME:-${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}}

run_runtime_bench() {
  local top; top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  local class=$1; shift
  (cd "$top" && mvn -B -o -q -pl bench -am package -DskipTests)
  COVE_LOG_LEVEL=${COVE_LOG_LEVEL:-INFO} "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
    -cp "$top/bench/target/classes:$top/bench/target/lib/*" "dev.cove.bench.$class" "$@"
}
