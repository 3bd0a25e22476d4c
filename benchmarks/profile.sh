#!/usr/bin/env bash
# CPU and allocation profiles of Junction under the overhead harness's three loads, taken with
# async-profiler (it samples native and kernel frames too, and does not lean on safepoints, so
# inlined methods are not charged to their neighbours the way JFR's samples sometimes are).
#
#   benchmarks/profile.sh                        # all three loads, cpu and alloc, 15 s each
#   LOADS="json" EVENTS="cpu" SECS=20 benchmarks/profile.sh
#
# Loads (wrk -t1 -c50, shipped ./junction defaults, access log on, simulator sending each stream in
# one burst, as REGIME=defaults of run-overhead.sh): json = small non-streaming chat request passed
# through; stream = 20-chunk stream passed through; translated = the same stream translated
# OpenAI ⇄ Anthropic. Junction is warmed with each load before anything is recorded.
#
# async-profiler comes from Maven Central (tools.profiler:async-profiler, which carries the native
# library for linux-x64 and linux-arm64); it is attached to the running gateway with
# `jcmd <pid> JVMTI.agent_load <lib> "\"start,event=cpu\""` and stopped the same way, so the
# gateway runs exactly as ./junction starts it until the recording begins. Kernel frames need
# /proc/sys/kernel/perf_event_paranoid ≤ 1; with 2 (a common default) async-profiler still samples
# every thread, and kernel time shows as the system call that spent it.
#
# Output in $OUT: <load>-<event>.collapsed (one stack per line, sample count last: grep it for the
# callers of a frame), <load>-<event>.html (flame graph), <load>-<event>.txt (the top frames by
# self samples and the Junction frames by inclusive samples), and the wrk output of each recording.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/benchmarks/lib.sh"

LOADS="${LOADS:-json stream translated}"
EVENTS="${EVENTS:-cpu alloc}"
SECS="${SECS:-15}"                   # seconds recorded per load and event
INTERVAL="${INTERVAL:-1000000}"      # cpu sampling interval in ns (1 ms; async-profiler's default is 10 ms)
WARMUP="${WARMUP:-10}"               # seconds of each load before anything is recorded
CONNECTIONS="${CONNECTIONS:-50}"
STREAM_TOKENS="${STREAM_TOKENS:-20}"
SIM_PORT="${SIM_PORT:-19011}"
JUNCTION_PORT="${JUNCTION_PORT:-19013}"
ASYNC_PROFILER_VERSION="${ASYNC_PROFILER_VERSION:-4.2}"
OUT="${OUT:-$ROOT/benchmarks/target/profile-$(date -u +%Y%m%dT%H%M%SZ)}"

for cmd in wrk curl jcmd unzip; do
  command -v "$cmd" > /dev/null || die "$cmd is needed (apt-get install -y wrk curl unzip; jcmd comes with the JDK)"
done
mkdir -p "$OUT"
TMP="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

# ---------------------------------------------------------------- async-profiler
case "$(uname -m)" in x86_64) ARCH=linux-x64 ;; aarch64) ARCH=linux-arm64 ;; *) die "no async-profiler library for $(uname -m)" ;; esac
AP_DIR="$ROOT/benchmarks/target/async-profiler-$ASYNC_PROFILER_VERSION"
LIB="$AP_DIR/$ARCH/libasyncProfiler.so"
if [ ! -f "$LIB" ]; then
  log "fetching tools.profiler:async-profiler:$ASYNC_PROFILER_VERSION from Maven Central"
  (cd "$ROOT" && mvn -q -N dependency:copy -Dartifact="tools.profiler:async-profiler:$ASYNC_PROFILER_VERSION" \
    -DoutputDirectory="$AP_DIR") || die "could not fetch async-profiler"
  unzip -q -o "$AP_DIR/async-profiler-$ASYNC_PROFILER_VERSION.jar" "$ARCH/*" -d "$AP_DIR"
fi
# jcmd reads key=value pairs: the agent's options go in quotes so that they arrive as one string.
profiler() { jcmd "$J_PID" JVMTI.agent_load "$LIB" "\"$1\"" > "$TMP/jcmd.txt" 2>&1 \
  || { cat "$TMP/jcmd.txt" >&2; die "async-profiler: $1 failed"; }; }

# ---------------------------------------------------------------- simulator and Junction
bench_junction_conf "$TMP/junction.conf" "$JUNCTION_PORT" "$SIM_PORT" "$TMP/tasks.db"
"$ROOT/junction" check --config "$TMP/junction.conf" > "$OUT/junction-check.txt" 2>&1 \
  || { cat "$OUT/junction-check.txt" >&2; die "junction check failed"; }
CP="$(ls "$ROOT"/launcher/target/launcher-*.jar | grep -v -e sources -e javadoc -e tests | awk "NR == 1"):$(cat "$ROOT/launcher/target/classpath.txt")"
java -XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -cp "$CP" dev.junction.simulator.SimulatorMain \
  --port "$SIM_PORT" --threads 1 --latency 1ms --tps 0 --tokens 12 > "$OUT/simulator.log" 2>&1 &
PIDS+=("$!")
"$ROOT/junction" --config "$TMP/junction.conf" > "$OUT/junction.out" 2> "$OUT/junction.log" &
J_PID=$!; PIDS+=("$J_PID")
wait_http "http://127.0.0.1:$SIM_PORT/v1/models" 30 "${PIDS[0]}" || die "simulator did not start"
wait_http "http://127.0.0.1:$JUNCTION_PORT/healthz" 120 "$J_PID" || die "Junction did not start (see $OUT/junction.log)"
# ./junction execs java, so its pid is the gateway's JVM.

URL="http://127.0.0.1:$JUNCTION_PORT/v1/chat/completions"
STREAM='{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Tell me a story. [[sim tokens='"$STREAM_TOKENS"']]"}]}'
wrk_script "$TMP/json.lua" POST '{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello in one short sentence."}]}' "Authorization: Bearer bench-key"
wrk_script "$TMP/stream.lua" POST "$STREAM" "Authorization: Bearer bench-key"
wrk_script "$TMP/translated.lua" POST "${STREAM/gpt-4o-mini/claude-haiku-4-5}" "Authorization: Bearer bench-key"

for load in $LOADS; do
  [ -f "$TMP/$load.lua" ] || die "unknown load $load (json, stream, translated)"
  log "warming Junction with $load for ${WARMUP}s"
  wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$TMP/$load.lua" "$URL" > /dev/null
done

# The top frames of a collapsed profile: by self samples, and Junction frames by inclusive samples.
summarize() { # collapsed title
  awk -v title="$2" '
    { n = $NF; sub(/ [0-9]+$/, ""); total += n; k = split($0, f, ";"); self[f[k]] += n
      delete seen
      for (i = 1; i <= k; i++) if (f[i] ~ /^dev\/junction\// && !(f[i] in seen)) { seen[f[i]] = 1; incl[f[i]] += n } }
    END {
      printf "# %s: %d samples\n\n## Self (top 40)\n", title, total
      for (x in self) printf "%6.2f%%  %s\n", self[x] * 100 / total, x | "sort -rn | head -40"
      close("sort -rn | head -40")
      printf "\n## Junction frames, inclusive (top 40)\n"
      for (x in incl) printf "%6.2f%%  %s\n", incl[x] * 100 / total, x | "sort -rn | head -40"
      close("sort -rn | head -40")
    }' "$1"
}

for load in $LOADS; do
  for event in $EVENTS; do
    log "recording $event under the $load load for ${SECS}s"
    if [ "$event" = cpu ]; then profiler "start,event=cpu,interval=$INTERVAL"; else profiler "start,event=$event"; fi
    wrk -t1 -c"$CONNECTIONS" -d"${SECS}s" -s "$TMP/$load.lua" "$URL" > "$OUT/$load-$event-wrk.txt"
    profiler "dump,collapsed,file=$OUT/$load-$event.collapsed"
    profiler "stop,flamegraph,file=$OUT/$load-$event.html"
    summarize "$OUT/$load-$event.collapsed" "$load load, $event" > "$OUT/$load-$event.txt"
    grep -q 'RESULT.* status=0 ' "$OUT/$load-$event-wrk.txt" || log "WARNING: non-2xx answers during $load (see $OUT/$load-$event-wrk.txt)"
  done
done
log "profiles in $OUT (*.txt summaries, *.html flame graphs, *.collapsed stacks)"
