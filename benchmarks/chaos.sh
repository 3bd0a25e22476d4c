#!/usr/bin/env bash
# The chaos scenario (benchmarks/RESULTS-chaos.md): one alias over a flaky (30% 503), a slow-tailed
# (5% of calls 10x slower) and a healthy but dearer simulated deployment, driven through the
# gateway with and without retries, failover and hedging. Everything runs in one JVM on loopback.
#
#   benchmarks/chaos.sh [--requests 2000] [--settle 200] [--concurrency 8] [--latency-ms 40] [--warmup 400]
#                       [--mode unary|stream|both] [--out benchmarks/target/chaos-table.md]
#
# Set SKIP_BUILD=1 to reuse an existing benchmarks/target/benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
  mvn -q -o -pl benchmarks -am package -DskipTests
fi
# The access log and the gateway's info logs are silenced so that logging does not compete with
# the measured requests for the two cores.
exec java -Xms512m -Xmx512m -Djunction.log.level=WARN -Djunction.access-log.level=OFF \
  -cp benchmarks/target/benchmarks.jar dev.junction.bench.chaos.ChaosScenario "$@"
