#!/usr/bin/env bash
# Runs one benchmark scenario (or all) against a Lockstep server it starts on this machine's
# PostgreSQL and Redis. Builds the jars first if they are missing. See perf/README.md.
#   perf/run.sh chat --users 2000 --devices 3 --rate 500 --duration 30s
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f core/target/lockstep.jar ] || [ ! -f perf/target/lockstep-perf.jar ]; then
  mvn -B -q package -DskipTests -pl perf -am
fi
exec java -Xmx2g -jar perf/target/lockstep-perf.jar "$@"
