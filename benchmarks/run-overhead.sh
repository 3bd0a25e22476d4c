#!/usr/bin/env bash
# End-to-end overhead of Junction against a plain nginx reverse proxy, on this machine, in one run.
#
#   benchmarks/run-overhead.sh                        # REGIME=defaults (below), ~10 minutes
#   REGIME=pinned benchmarks/run-overhead.sh          # the paced, pinned regime, ~7 minutes
#   ROUNDS=1 DURATION=10 benchmarks/run-overhead.sh   # quicker, noisier
#
# Two regimes (REGIME):
#   defaults  what users run: Junction started by ./junction with nothing tuned (no JAVA_OPTS, default
#             io-threads, access log ON to a file), nginx with one worker and a buffered access log,
#             the simulator sending each stream in ONE burst (unpaced), wrk -c50 saturating the proxy,
#             nothing pinned. Then c=1 latency and time to first token (HttpProbe), and a hold of
#             HOLD_STREAMS concurrent open streams on a fresh Junction with a 512 MB heap.
#   pinned    the earlier regime: the proxy pinned to one core (Junction: one event loop,
#             -XX:ActiveProcessorCount=1, access log off; nginx access log off), wrk -c32 + simulator
#             on the other core, streams paced at SIM_TPS, so neither proxy is saturated.
#
# For each mode (small non-streaming chat request; streaming request of ~50 tokens) and each target
#   direct   wrk -> simulator
#   nginx    wrk -> nginx (Debian package, proxy_pass + upstream keepalive) -> simulator
#   junction wrk -> Junction (openai-compatible provider) -> simulator
# and, in the streaming mode only,
#   translated wrk -> Junction (anthropic provider) -> simulator's /v1/messages: Junction decodes the
#            OpenAI request, writes an Anthropic request and translates the Anthropic SSE stream back
#            into OpenAI chunks (no nginx/direct equivalent: neither translates)
# it runs wrk with a Lua script POSTing the JSON body and records requests/s, p50/p99 latency, the
# non-2xx / socket error counts, and the CPU time (utime + stime from /proc/<pid>/stat, all threads,
# all processes of the proxy) the proxy consumed during the measured window divided by the requests
# completed. The simulator's CPU per request is recorded too: it is the same work for every target
# and shows how much of the shared core the upstream takes.
#
# Placement (2-core machine): the proxy under test (nginx: worker_processes 1; Junction: one Netty
# event loop, -XX:ActiveProcessorCount=1) runs pinned to PROXY_CPU; wrk and the simulator share
# LOAD_CPU. Both proxies thus get exactly one core. Targets are interleaved inside every round and the
# order rotates between rounds, so drift in background load spreads over all of them.
#
# Only loopback addresses are used. Every process started here is stopped on exit (trap).
# Output: a Markdown summary on stdout and in $OUT/results.md, raw rows in $OUT/raw.tsv, wrk output,
# logs, and (PROFILE=1) a JFR recording of Junction under each load with its top frames.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

REGIME="${REGIME:-defaults}"        # defaults | pinned (see above)
case "$REGIME" in defaults|pinned) ;; *) echo "REGIME must be defaults or pinned" >&2; exit 2 ;; esac
ROUNDS="${ROUNDS:-2}"              # interleaved rounds; results are summed over rounds
DURATION="${DURATION:-15}"         # measured seconds per target, mode and round
WARM="${WARM:-3}"                  # unmeasured seconds of the same load right before each measurement
JIT_WARMUP="${JIT_WARMUP:-30}"     # seconds of load on Junction before anything is measured (per Junction)
if [ "$REGIME" = defaults ]; then CONNECTIONS="${CONNECTIONS:-50}"; SIM_TPS="${SIM_TPS:-0}"; STREAM_TOKENS="${STREAM_TOKENS:-20}"; fi
CONNECTIONS="${CONNECTIONS:-32}"
STREAM_TOKENS="${STREAM_TOKENS:-50}"
SIM_LATENCY="${SIM_LATENCY:-1ms}"  # simulator delay before the first byte
SIM_TPS="${SIM_TPS:-2000}"         # stream pacing: 2000 tokens/s = one chunk every 0.5 ms; 0 = one burst
PROXY_CPU="${PROXY_CPU:-1}"
LOAD_CPU="${LOAD_CPU:-0}"
PROFILE="${PROFILE:-1}"            # 1 = after the measurements, a 20 s JFR profile of Junction per mode
SIM_PORT="${SIM_PORT:-19001}"
NGINX_PORT="${NGINX_PORT:-19002}"
JUNCTION_PORT="${JUNCTION_PORT:-19003}"
JUNCTION_HEAP="${JUNCTION_HEAP:-512m}"  # pinned regime only (defaults: the JVM's own choice)
PROBE_N="${PROBE_N:-2000}"          # c=1 sequential requests per target for latency / TTFT (0 = skip)
# c=1 is measured with the CPUs as they are (idle between requests) and, when PROBE_AWAKE=1, once more
# with every CPU kept from idling by a SCHED_IDLE spinner (it runs only when nothing else wants the
# CPU, and yields at once). On a VM an idle vCPU halts, and waking it costs a trip through the
# hypervisor on every hop; the second pass shows the same proxies without that cost.
PROBE_AWAKE="${PROBE_AWAKE:-1}"
HOLD_STREAMS="${HOLD_STREAMS:-10000}"  # defaults regime: concurrent open streams held (0 = skip)
HOLD_HEAP="${HOLD_HEAP:-512m}"      # -Xmx of the Junction that holds them
HOLD_PORT="${HOLD_PORT:-19004}"
# c=1 only: a plain TCP relay in front of the simulator (nginx's stream module: accepts, connects,
# copies bytes both ways, parses nothing) on RELAY_PORT, as the floor any proxy pays on this machine
# for its two extra loopback hops. Skipped when the module is missing and cannot be installed.
RELAY_PORT="${RELAY_PORT:-19006}"
NGINX_STREAM_MODULE="${NGINX_STREAM_MODULE:-/usr/lib/nginx/modules/ngx_stream_module.so}"
# BEFORE_ROOT=/path/to/another/checkout adds that tree's Junction (built and started the same way,
# on BEFORE_PORT) as targets "before" and "before-translated", interleaved with the others: a
# before/after comparison measured side by side in one run.
BEFORE_ROOT="${BEFORE_ROOT:-}"
BEFORE_PORT="${BEFORE_PORT:-19005}"
# Extra HOCON inside Junction's junction { } block, e.g. to measure tracing export:
#   JUNCTION_EXTRA='tracing { otlp-endpoint = "http://127.0.0.1:19001/v1/traces" }'
JUNCTION_EXTRA="${JUNCTION_EXTRA:-}"
OUT="${OUT:-$ROOT/benchmarks/target/overhead-$REGIME-$(date -u +%Y%m%dT%H%M%SZ)}"
# Placement: "pinned" runs the proxy on PROXY_CPU and the load on LOAD_CPU; "defaults" pins nothing.
# (Command prefixes, not functions: a background function would make $! a subshell, not the server.)
ON_PROXY_CPU=(); ON_LOAD_CPU=()
[ "$REGIME" = pinned ] && { ON_PROXY_CPU=(taskset -c "$PROXY_CPU"); ON_LOAD_CPU=(taskset -c "$LOAD_CPU"); }

# log, die, wait_http, cpu_ticks (and clk_tck)
. "$ROOT/benchmarks/lib.sh"

# ---------------------------------------------------------------- prerequisites
need_install=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_install+=(nginx)
command -v wrk >/dev/null 2>&1 || need_install+=(wrk)
{ command -v taskset && command -v chrt; } >/dev/null 2>&1 || need_install+=(util-linux)
command -v curl >/dev/null 2>&1 || need_install+=(curl)
[ "$PROBE_N" -eq 0 ] || [ -f "$NGINX_STREAM_MODULE" ] || need_install+=(libnginx-mod-stream)
if [ "${#need_install[@]}" -gt 0 ]; then
  log "installing ${need_install[*]} (apt-get)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_install[@]}" >/dev/null \
    || log "WARNING: apt-get install ${need_install[*]} failed"
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
command -v java >/dev/null 2>&1 || die "java 17+ is required"
command -v jcmd >/dev/null 2>&1 || PROFILE=0
[ "$(nproc)" -ge 2 ] || { log "one CPU only: no pinning"; PROXY_CPU=0; LOAD_CPU=0; }

for p in "$SIM_PORT" "$NGINX_PORT" "$JUNCTION_PORT" "$HOLD_PORT" "$BEFORE_PORT" "$RELAY_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then die "port $p is in use (set SIM_PORT/NGINX_PORT/JUNCTION_PORT)"; fi
done

mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/junction-overhead.XXXXXX)"

# ---------------------------------------------------------------- cleanup
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -z "${WRK_PID:-}" ] || kill "$WRK_PID" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- build
log "building Junction (./junction check builds when sources changed)"
# defaults: nothing but the listener, the providers and the aliases (io-threads, access log, pools
# as shipped). pinned: one event loop, access log off.
if [ "$REGIME" = pinned ]; then
  SERVER_EXTRA=", io-threads = 1"; ACCESS_LOG="access-log { enabled = false }"
else
  SERVER_EXTRA=""; ACCESS_LOG=""
fi
write_junction_conf() { # port file
  cat > "$2" <<EOF
# Generated by benchmarks/run-overhead.sh (REGIME=$REGIME): aliases on the local simulator, nothing else.
# gpt-4o-mini is passed through (OpenAI-shaped upstream); claude-haiku-4-5 is translated (the
# simulator's Anthropic /v1/messages on the same port; it accepts any key). "hold" is the
# pass-through alias of the open-streams hold, on a provider whose pool admits that many streams.
junction {
  server { host = "127.0.0.1", port = $1$SERVER_EXTRA }
  providers {
    sim { type = openai-compatible, base-url = "http://127.0.0.1:$SIM_PORT/v1" }
    sim-anthropic { type = anthropic, base-url = "http://127.0.0.1:$SIM_PORT", api-key = "bench-anthropic-key" }
    sim-hold { type = openai-compatible, base-url = "http://127.0.0.1:$SIM_PORT/v1", max-connections = $(( HOLD_STREAMS + 100 )) }
  }
  models {
    "gpt-4o-mini" { deployments = [ { provider = sim, model = "gpt-4o-mini" } ] }
    "claude-haiku-4-5" { deployments = [ { provider = sim-anthropic, model = "claude-haiku-4-5" } ] }
    "hold" { deployments = [ { provider = sim-hold, model = "gpt-4o-mini" } ] }
  }
  $ACCESS_LOG
  tasks { path = "$TMP/tasks-$1.db" }
  $JUNCTION_EXTRA
}
EOF
}
write_junction_conf "$JUNCTION_PORT" "$TMP/junction.conf"
if [ -n "$BEFORE_ROOT" ]; then
  write_junction_conf "$BEFORE_PORT" "$TMP/junction-before.conf"
  log "building the Junction of $BEFORE_ROOT (targets before, before-translated)"
  "$BEFORE_ROOT/junction" check --config "$TMP/junction-before.conf" > "$OUT/junction-before-check.txt" 2>&1 \
    || { cat "$OUT/junction-before-check.txt" >&2; die "junction check of $BEFORE_ROOT failed"; }
fi
"$ROOT/junction" check --config "$TMP/junction.conf" > "$OUT/junction-check.txt" 2>&1 \
  || { cat "$OUT/junction-check.txt" >&2; die "junction check failed"; }
# The launcher module's classpath holds the gateway and the simulator (started from it below).
CP="$(ls "$ROOT"/launcher/target/launcher-*.jar | grep -v -e sources -e javadoc -e tests | awk "NR == 1"):$(cat "$ROOT/launcher/target/classpath.txt")"

# ---------------------------------------------------------------- simulator
log "starting simulator on 127.0.0.1:$SIM_PORT (latency $SIM_LATENCY, $SIM_TPS tokens/s; 0 = one burst)"
"${ON_LOAD_CPU[@]}" java -XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -cp "$CP" \
  dev.junction.simulator.SimulatorMain --port "$SIM_PORT" --threads 1 --latency "$SIM_LATENCY" \
  --tps "$SIM_TPS" --tokens 12 > "$OUT/simulator.log" 2>&1 &
SIM_PID=$!; PIDS+=("$SIM_PID")

# ---------------------------------------------------------------- nginx
mkdir -p "$TMP/nginx"
# defaults: nginx logs every request too, buffered (one write per 64 KiB or per second), as a
# production nginx is usually set up; pinned: no access log on either proxy.
if [ "$REGIME" = defaults ]; then
  NGINX_ACCESS_LOG="access_log $OUT/nginx-access.log combined buffer=64k flush=1s;"
else
  NGINX_ACCESS_LOG="access_log off;"
fi
cat > "$TMP/nginx/nginx.conf" <<EOF
# Generated by benchmarks/run-overhead.sh: a plain reverse proxy in front of the simulator.
# One worker (pinned with the master to one core), as Junction gets one event loop on one core.
worker_processes 1;
user root;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
  $NGINX_ACCESS_LOG
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  keepalive_requests 1000000;
  upstream sim {
    server 127.0.0.1:$SIM_PORT;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # SSE chunks go out as they arrive (same for both modes: Junction never buffers either).
      proxy_buffering off;
    }
  }
}
EOF
log "starting nginx on 127.0.0.1:$NGINX_PORT (1 worker, $NGINX_ACCESS_LOG)"
"${ON_PROXY_CPU[@]}" "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' \
  > "$OUT/nginx.log" 2>&1 &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
RELAY_PID=""
if [ "$PROBE_N" -gt 0 ] && [ -f "$NGINX_STREAM_MODULE" ]; then
  mkdir -p "$TMP/relay"
  cat > "$TMP/relay/nginx.conf" <<EOF
# Generated by benchmarks/run-overhead.sh: a TCP relay (no HTTP) in front of the simulator, one worker.
load_module $NGINX_STREAM_MODULE;
worker_processes 1;
user root;
pid $TMP/relay/nginx.pid;
error_log $TMP/relay/error.log warn;
events { worker_connections 4096; }
stream { server { listen 127.0.0.1:$RELAY_PORT; proxy_pass 127.0.0.1:$SIM_PORT; } }
EOF
  "${ON_PROXY_CPU[@]}" "$NGINX" -p "$TMP/relay" -c "$TMP/relay/nginx.conf" -g 'daemon off;' > "$OUT/relay.log" 2>&1 &
  RELAY_PID=$!; PIDS+=("$RELAY_PID")
else
  log "no TCP relay target for c=1 ($NGINX_STREAM_MODULE missing: apt-get install libnginx-mod-stream)"
fi

# ---------------------------------------------------------------- junction
# Logging: WARN and no access log, through the switches of proxy-core's logback.xml (the config
# loader leaves junction.log.* and junction.access-log.level to logback).
# defaults: no JAVA_OPTS at all (the launcher's own settings), access log on stdout to a file.
if [ "$REGIME" = pinned ]; then
  JUNCTION_OPTS="-XX:ActiveProcessorCount=1 -Xms$JUNCTION_HEAP -Xmx$JUNCTION_HEAP -Djunction.log.level=WARN -Djunction.access-log.level=OFF"
else
  JUNCTION_OPTS=""
fi
log "starting Junction on 127.0.0.1:$JUNCTION_PORT (JAVA_OPTS=\"$JUNCTION_OPTS\")"
# taskset, env and the launcher all exec, so $! is the JVM itself.
"${ON_PROXY_CPU[@]}" env JAVA_OPTS="$JUNCTION_OPTS" "$ROOT/junction" --config "$TMP/junction.conf" \
  > "$OUT/junction.out" 2> "$OUT/junction.log" &
JUNCTION_PID=$!; PIDS+=("$JUNCTION_PID")
BEFORE_PID=""
if [ -n "$BEFORE_ROOT" ]; then
  "${ON_PROXY_CPU[@]}" env JAVA_OPTS="$JUNCTION_OPTS" "$BEFORE_ROOT/junction" --config "$TMP/junction-before.conf" \
    > "$OUT/junction-before.out" 2> "$OUT/junction-before.log" &
  BEFORE_PID=$!; PIDS+=("$BEFORE_PID")
fi

wait_http "http://127.0.0.1:$SIM_PORT/v1/models" 30 "$SIM_PID" || die "simulator did not start (see $OUT/simulator.log)"
wait_http "http://127.0.0.1:$NGINX_PORT/v1/models" 10 "$NGINX_PID" || die "nginx did not start (see $TMP/nginx/error.log)"
[ -z "$RELAY_PID" ] || wait_http "http://127.0.0.1:$RELAY_PORT/v1/models" 10 "$RELAY_PID" || die "the TCP relay did not start (see $TMP/relay/error.log)"
wait_http "http://127.0.0.1:$JUNCTION_PORT/healthz" 60 "$JUNCTION_PID" || die "Junction did not start (see $OUT/junction.log)"
[ -z "$BEFORE_PID" ] || wait_http "http://127.0.0.1:$BEFORE_PORT/healthz" 60 "$BEFORE_PID" || die "the before Junction did not start (see $OUT/junction-before.log)"
NGINX_WORKERS="$(pgrep -P "$NGINX_PID" | tr '\n' ' ')"
[ -n "$NGINX_WORKERS" ] || die "no nginx worker"
log "pids: simulator $SIM_PID, nginx $NGINX_PID (workers $NGINX_WORKERS), junction $JUNCTION_PID"

url_of() { case "$1" in direct) echo "http://127.0.0.1:$SIM_PORT" ;; nginx) echo "http://127.0.0.1:$NGINX_PORT" ;;
                        relay) echo "http://127.0.0.1:$RELAY_PORT" ;;
                        junction|translated) echo "http://127.0.0.1:$JUNCTION_PORT" ;;
                        before|before-translated) echo "http://127.0.0.1:$BEFORE_PORT" ;; esac; }
proxy_pids() { case "$1" in direct) echo "" ;; nginx) echo "$NGINX_PID $NGINX_WORKERS" ;; junction|translated) echo "$JUNCTION_PID" ;;
                            before|before-translated) echo "$BEFORE_PID" ;; esac; }
# The targets of a mode, in their base order (rounds rotate it).
targets_of() {
  if [ "$1" = nonstream ]; then echo "direct nginx junction${BEFORE_ROOT:+ before}"
  else echo "direct nginx junction translated${BEFORE_ROOT:+ before before-translated}"; fi
}
# The c=1 targets of a mode: the same, plus the TCP relay when it runs.
probe_targets_of() { if [ -n "$RELAY_PID" ]; then targets_of "$1" | sed 's/ nginx / nginx relay /'; else targets_of "$1"; fi; }
# The access log a target's Junction writes in the defaults regime (none: pinned, or not a Junction).
access_log_of() {
  [ "$REGIME" = defaults ] || return 0
  case "$1" in junction|translated) echo "$OUT/junction.out" ;; before|before-translated) echo "$OUT/junction-before.out" ;; esac
}
# The p50 in microseconds of the time a Junction spent on the last n requests of its access log
# itself: Server-Timing total minus connect and ttfb (which count from the moment the vendor request
# was built to the vendor's first byte, so they hold the upstream hops and the vendor's own time).
own_p50_us() { # access-log n
  tail -n "$2" "$1" | sed -n 's/.*connect;dur=\([0-9.]*\), ttfb;dur=\([0-9.]*\), total;dur=\([0-9.]*\).*/\1 \2 \3/p' \
    | awk '{ printf "%.0f\n", ($3 - $2 - $1) * 1000 }' | sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : -1) }'
}
# The body (and wrk script) a target gets in a mode: "translated" sends the streaming request to the
# alias on the Anthropic provider; everything else sends the mode's own body.
body_of() { case "$1" in translated|before-translated) echo tstream ;; *) echo "$2" ;; esac; }

# ---------------------------------------------------------------- request bodies + wrk scripts
BODY_nonstream='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello in one short sentence."}]}'
BODY_stream='{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Tell me a story. [[sim tokens='"$STREAM_TOKENS"']]"}]}'
BODY_tstream="${BODY_stream/gpt-4o-mini/claude-haiku-4-5}"
for mode in nonstream stream tstream; do
  body_var="BODY_$mode"
  cat > "$TMP/$mode.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-key"
wrk.body = [==[${!body_var}]==]
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d bytes=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, summary.bytes))
end
EOF
done

# ---------------------------------------------------------------- correctness checks
check() { # target mode
  local url body out
  url="$(url_of "$1")/v1/chat/completions"; body_var="BODY_$(body_of "$1" "$2")"
  out="$TMP/check-$1-$2"
  curl -sS --max-time 10 -o "$out.body" -D "$out.head" -w '%{http_code}' -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer bench-key' --data-binary "${!body_var}" "$url" > "$out.code"
  local code; code="$(cat "$out.code")"
  [ "$code" = 200 ] || die "$1 $2: HTTP $code: $(head -c 300 "$out.body")"
  if [ "$2" = nonstream ]; then
    grep -q '"object":"chat.completion"' "$out.body" || die "$1: not a chat.completion: $(head -c 300 "$out.body")"
    grep -q '"finish_reason":"stop"' "$out.body" || die "$1: no finish_reason stop"
  else
    grep -qi '^content-type: text/event-stream' "$out.head" || die "$1: stream is not text/event-stream"
    [ "$(grep -v '^$' "$out.body" | tail -n 1)" = 'data: [DONE]' ] || die "$1: stream does not end with data: [DONE]"
    # Every other line is an OpenAI chunk: no Anthropic event (event:, message_start, ping ...) leaks.
    local bad; bad="$(grep -v -e '^$' -e '^data: \[DONE\]$' "$out.body" | grep -v -c '^data: {.*"object":"chat.completion.chunk"' || true)"
    [ "$bad" = 0 ] || die "$1: $bad lines are not chat.completion.chunk data lines: $(grep -v -e '^$' -e '^data: \[DONE\]$' "$out.body" | grep -v '"object":"chat.completion.chunk"' | head -n 2)"
    grep -q '"finish_reason":"stop"' "$out.body" || die "$1: no finish_reason stop"
    local chunks; chunks="$(grep -c '^data: {' "$out.body")"
    [ "$chunks" -ge "$STREAM_TOKENS" ] || die "$1: only $chunks chunks"
    echo "$chunks" > "$out.chunks"
  fi
  # The reply text (all content strings joined) must be the same through every target; a translated
  # stream may cut the text into chunks differently.
  { grep -o '"content":"[^"]*"' "$out.body" || true; } | sed 's/^"content":"//; s/"$//' | tr -d '\n' > "$out.reply"
  md5sum < "$out.reply" | cut -c1-12 > "$out.text"
  [ -s "$out.reply" ] || die "$1 $2: empty reply text"
}
for mode in nonstream stream; do
  ts="$(targets_of "$mode")"
  for t in $ts; do check "$t" "$mode"; done
  for t in ${ts#direct }; do
    cmp -s "$TMP/check-direct-$mode.text" "$TMP/check-$t-$mode.text" \
      || die "$t $mode: reply text differs from the simulator's (see $TMP/check-$t-$mode.reply, $TMP/check-direct-$mode.reply)"
  done
done
CHUNKS_stream="$(cat "$TMP/check-junction-stream.chunks")"
CHUNKS_translated="$(cat "$TMP/check-translated-stream.chunks")"
log "checks passed: 200, chat.completion / text/event-stream of chat.completion.chunk lines ($CHUNKS_stream data chunks pass-through, $CHUNKS_translated translated) + [DONE], same text via every target"
cp "$TMP"/check-junction-* "$TMP"/check-translated-* "$OUT/" 2>/dev/null || true

# ---------------------------------------------------------------- load
WRK_PID=""
run_wrk() { # target mode seconds outfile
  # In the background and waited for, so that the exit trap can stop it too.
  "${ON_LOAD_CPU[@]}" wrk -t1 -c"$CONNECTIONS" -d"${3}s" --timeout 10s --latency -s "$TMP/$(body_of "$1" "$2").lua" \
    "$(url_of "$1")/v1/chat/completions" > "$4" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID"
  WRK_PID=""
}

log "JIT warm-up of Junction: ${JIT_WARMUP}s non-streaming + $(( JIT_WARMUP / 2 ))s streaming + $(( JIT_WARMUP / 2 ))s translated streaming"
run_wrk junction nonstream "$JIT_WARMUP" "$OUT/warmup-nonstream.txt"
run_wrk junction stream "$(( JIT_WARMUP / 2 ))" "$OUT/warmup-stream.txt"
run_wrk translated stream "$(( JIT_WARMUP / 2 ))" "$OUT/warmup-translated.txt"
if [ -n "$BEFORE_ROOT" ]; then
  run_wrk before nonstream "$JIT_WARMUP" "$OUT/warmup-before-nonstream.txt"
  run_wrk before stream "$(( JIT_WARMUP / 2 ))" "$OUT/warmup-before-stream.txt"
  run_wrk before-translated stream "$(( JIT_WARMUP / 2 ))" "$OUT/warmup-before-translated.txt"
fi
run_wrk nginx nonstream 3 /dev/null

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'round\tmode\ttarget\trequests\tduration_us\tp50_us\tp99_us\tnon2xx\tsock_errors\tproxy_ticks\tsim_ticks\n' > "$OUT/raw.tsv"
for round in $(seq 1 "$ROUNDS"); do
  for mode in nonstream stream; do
    read -r -a targets <<<"$(targets_of "$mode")"
    nt="${#targets[@]}"
    # Rotate the order each round so no target always runs right after another.
    for i in $(seq 0 $(( nt - 1 ))); do
      t="${targets[$(( (i + round - 1) % nt ))]}"
      run_wrk "$t" "$mode" "$WARM" /dev/null
      pp="$(proxy_pids "$t")"
      p0="$(cpu_ticks $pp)"; s0="$(cpu_ticks "$SIM_PID")"
      f="$OUT/wrk-r$round-$mode-$t.txt"
      run_wrk "$t" "$mode" "$DURATION" "$f"
      p1="$(cpu_ticks $pp)"; s1="$(cpu_ticks "$SIM_PID")"
      r="$(grep '^RESULT' "$f")" || die "wrk failed: $(cat "$f")"
      val() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $r"; }
      non2xx="$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$f")"; non2xx="${non2xx:-0}"
      sockerr=$(( $(val connect) + $(val read) + $(val write) + $(val timeout) ))
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$t" "$(val requests)" \
        "$(val duration_us)" "$(val p50_us)" "$(val p99_us)" "$non2xx" "$sockerr" $(( p1 - p0 )) $(( s1 - s0 )) \
        >> "$OUT/raw.tsv"
      log "round $round $mode $t: $(val requests) requests, p50 $(val p50_us)us p99 $(val p99_us)us, non-2xx $non2xx, proxy $(( p1 - p0 )) ticks"
    done
  done
done

# ---------------------------------------------------------------- c=1 latency and time to first token
# One client, one keep-alive connection, PROBE_N sequential requests per target (after 200
# unmeasured), two interleaved rounds; "added" is the target's p50 minus the direct p50. Then the
# same with the CPUs kept awake (PROBE_AWAKE, above).
mkdir -p "$TMP/probe"
javac -d "$TMP/probe" "$ROOT/benchmarks/src/main/java/dev/junction/bench/load/HttpProbe.java"
PROBE=(java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$TMP/probe" dev.junction.bench.load.HttpProbe)
for mode in nonstream stream tstream; do
  body_var="BODY_$mode"; printf '%s' "${!body_var}" > "$TMP/$mode.json"
done
if [ "$PROBE_N" -gt 0 ]; then
  printf 'round\tmode\ttarget\tn\tp50_us\tp90_us\tp99_us\tttft_p50_us\tttft_p90_us\tttft_p99_us\town_p50_us\tcpus\n' > "$OUT/probe.tsv"
  passes=idle; [ "$PROBE_AWAKE" != 1 ] || passes="idle awake"
  for cpus in $passes; do
  SPINNERS=()
  if [ "$cpus" = awake ]; then
    for _ in $(seq 1 "$(nproc)"); do chrt -i 0 bash -c 'while :; do :; done' & SPINNERS+=("$!"); PIDS+=("$!"); done
  fi
  for round in 1 2; do
    for mode in nonstream stream; do
      read -r -a targets <<<"$(probe_targets_of "$mode")"
      nt="${#targets[@]}"
      for i in $(seq 0 $(( nt - 1 ))); do
        t="${targets[$(( (i + round - 1) % nt ))]}"
        alog="$(access_log_of "$t")"; own=-1
        [ -z "$alog" ] || n0="$(wc -l < "$alog")"
        r="$("${ON_LOAD_CPU[@]}" "${PROBE[@]}" latency "$(url_of "$t")/v1/chat/completions" "$TMP/$(body_of "$t" "$mode").json" \
              "$PROBE_N" 200)" || die "probe $t $mode failed"
        val() { sed -n "s/.* $1=\([-0-9]*\).*/\1/p" <<<" $r"; }
        if [ -n "$alog" ]; then
          # the access log's writer thread lingers a moment before it writes: wait for every line
          for _ in $(seq 1 50); do [ "$(wc -l < "$alog")" -ge $(( n0 + PROBE_N + 200 )) ] && break; sleep 0.1; done
          own="$(own_p50_us "$alog" "$PROBE_N")"
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$t" "$(val n)" "$(val p50_us)" "$(val p90_us)" \
          "$(val p99_us)" "$(val ttft_p50_us)" "$(val ttft_p90_us)" "$(val ttft_p99_us)" "$own" "$cpus" >> "$OUT/probe.tsv"
        log "c=1 ($cpus CPUs) round $round $mode $t: $r own_p50_us=$own"
      done
    done
  done
  [ "${#SPINNERS[@]}" -eq 0 ] || kill "${SPINNERS[@]}"
  done
fi

# ---------------------------------------------------------------- open streams held at once
# A fresh Junction (the launcher's defaults, -Xmx$HOLD_HEAP) on HOLD_PORT; HttpProbe opens
# HOLD_STREAMS streams of the "hold" alias (20 tokens at 0.25 tokens/s: ~80 s each) and reads them
# all to the end. Once every stream has sent its first chunk, the Junction's heap after a full GC
# (jstat), its committed heap and its RSS are recorded. Each stream costs Junction two sockets
# (client + upstream), so the count is capped by the open-files limit.
HOLD_RESULT=""
if [ "$REGIME" = defaults ] && [ "$HOLD_STREAMS" -gt 0 ]; then
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  fd_limit="$(ulimit -n)"
  max_streams=$(( (fd_limit - 300) / 2 ))
  HOLD_N="$HOLD_STREAMS"
  if [ "$HOLD_N" -gt "$max_streams" ]; then
    log "open-files limit $fd_limit (hard $(ulimit -Hn)) admits $max_streams streams (two sockets each): holding $max_streams, not $HOLD_STREAMS"
    HOLD_N="$max_streams"
  fi
  write_junction_conf "$HOLD_PORT" "$TMP/junction-hold.conf"
  HOLD_OPTS="-Xmx$HOLD_HEAP"
  log "open-streams hold: $HOLD_N streams on a fresh Junction (JAVA_OPTS=$HOLD_OPTS) on 127.0.0.1:$HOLD_PORT"
  env JAVA_OPTS="$HOLD_OPTS" "$ROOT/junction" --config "$TMP/junction-hold.conf" > /dev/null 2> "$OUT/junction-hold.log" &
  HOLD_PID=$!; PIDS+=("$HOLD_PID")
  wait_http "http://127.0.0.1:$HOLD_PORT/healthz" 60 "$HOLD_PID" || die "hold Junction did not start (see $OUT/junction-hold.log)"
  printf '%s' '{"model":"hold","stream":true,"messages":[{"role":"user","content":"Hold on. [[sim tokens=20 tps=0.25]]"}]}' > "$TMP/hold.json"
  "${PROBE[@]}" hold "http://127.0.0.1:$HOLD_PORT/v1/chat/completions" "$TMP/hold.json" "$HOLD_N" 180 > "$OUT/hold.txt" 2>&1 &
  PROBE_PID=$!; PIDS+=("$PROBE_PID")
  held=""
  for _ in $(seq 1 1200); do
    grep -q '^HOLDING' "$OUT/hold.txt" && { held=1; break; }
    kill -0 "$PROBE_PID" 2>/dev/null || break
    sleep 0.1
  done
  heap_used="-"; heap_committed="-"; rss="-"; threads="-"
  if [ -n "$held" ]; then
    jcmd "$HOLD_PID" GC.run > /dev/null 2>&1 || true
    # jstat -gc: S0C S1C S0U S1U EC EU OC OU ... (KB); used = S0U+S1U+EU+OU, committed = S0C+S1C+EC+OC
    read -r heap_committed heap_used < <(jstat -gc "$HOLD_PID" | awk 'NR == 2 { printf "%.0f %.0f\n", ($1 + $2 + $5 + $7) / 1024, ($3 + $4 + $6 + $8) / 1024 }')
    rss="$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$HOLD_PID/status")"
    threads="$(awk '/^Threads/ { print $2 }' "/proc/$HOLD_PID/status")"
    jcmd "$HOLD_PID" GC.heap_info > "$OUT/hold-heap-info.txt" 2>&1 || true
    log "holding: $(grep '^HOLDING' "$OUT/hold.txt"); heap after full GC ${heap_used} MB of ${heap_committed} MB committed, RSS ${rss} MB"
  else
    log "the hold never had every stream open: $(cat "$OUT/hold.txt")"
  fi
  wait "$PROBE_PID" || true
  hold_line="$(grep '^HOLD ' "$OUT/hold.txt" || echo "HOLD (no result)")"
  gc_errors="$(grep -c -e OutOfMemoryError -e 'ERROR' "$OUT/junction-hold.log" || true)"
  HOLD_RESULT="| $HOLD_N | $HOLD_HEAP | $(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$hold_line") | $(sed -n 's/.* failed=\([0-9]*\).*/\1/p' <<<"$hold_line") | $heap_used | $heap_committed | $rss | $threads | $gc_errors |"
  log "hold done: $hold_line; ERROR/OutOfMemoryError lines in Junction's log: $gc_errors"
  kill "$HOLD_PID" 2>/dev/null || true
fi

# ---------------------------------------------------------------- summary
summarize() {
  awk -F'\t' -v tck="$clk_tck" -v chunks_p="$CHUNKS_stream" -v chunks_t="$CHUNKS_translated" '
    NR == 1 { next }
    { k = $2 SUBSEP $3; req[k] += $4; dur[k] += $5; p50[k] += $6; p99[k] += $7; n[k]++
      bad[k] += $8; sock[k] += $9; pt[k] += $10; st[k] += $11 }
    END {
      split("nonstream stream", modes, " "); nts = split("direct nginx junction before", ts, " ")
      for (m = 1; m <= 2; m++) {
        mode = modes[m]
        printf "\n### %s\n\n", (mode == "nonstream" ? "Non-streaming (small chat request)" : "Streaming (~'"$STREAM_TOKENS"' chunks)")
        print "| target | req/s | p50 ms | p99 ms | proxy CPU µs/req | proxy CPU busy | simulator CPU µs/req | non-2xx | socket errors | req/s vs nginx | CPU/req vs nginx |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        kn = mode SUBSEP "nginx"
        nrps = req[kn] / (dur[kn] / 1e6); ncpu = pt[kn] / tck * 1e6 / req[kn]
        for (i = 1; i <= nts; i++) {
          k = mode SUBSEP ts[i]
          if (!(k in req)) continue
          rps = req[k] / (dur[k] / 1e6)
          cpu = pt[k] / tck * 1e6 / req[k]; busy = pt[k] / tck / (dur[k] / 1e6) * 100
          scpu = st[k] / tck * 1e6 / req[k]
          if (ts[i] == "direct") { cpus = "–"; busys = "–"; rr = sprintf("%.2f", rps / nrps); cr = "–" }
          else { cpus = sprintf("%.0f", cpu); busys = sprintf("%.0f%%", busy); rr = sprintf("%.2f", rps / nrps); cr = sprintf("%.2f", cpu / ncpu) }
          printf "| %s | %.0f | %.2f | %.2f | %s | %s | %.0f | %d | %d | %s | %s |\n", ts[i], rps, p50[k] / n[k] / 1000, p99[k] / n[k] / 1000, cpus, busys, scpu, bad[k], sock[k], rr, cr
        }
      }
      # Translated streaming next to the two pass-through proxies. Per chunk = per data chunk the
      # client received (the [DONE] line not counted).
      printf "\n### Translated streaming (OpenAI request -> Anthropic upstream -> OpenAI chunks) vs pass-through streaming\n\n"
      print "| target | upstream | req/s | p50 ms | p99 ms | proxy CPU µs/req | data chunks/stream | proxy CPU µs/chunk | proxy CPU busy | simulator CPU µs/req | non-2xx | socket errors | req/s vs nginx | CPU/req vs nginx | CPU/req vs junction |"
      print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      ntt = split("nginx junction translated before before-translated", tt, " ")
      kn = "stream" SUBSEP "nginx"; kj = "stream" SUBSEP "junction"
      nrps = req[kn] / (dur[kn] / 1e6); ncpu = pt[kn] / tck * 1e6 / req[kn]; jcpu = pt[kj] / tck * 1e6 / req[kj]
      for (i = 1; i <= ntt; i++) {
        k = "stream" SUBSEP tt[i]
        if (!(k in req)) continue
        rps = req[k] / (dur[k] / 1e6); cpu = pt[k] / tck * 1e6 / req[k]; busy = pt[k] / tck / (dur[k] / 1e6) * 100
        ch = (tt[i] ~ /translated/) ? chunks_t : chunks_p
        printf "| %s | %s | %.0f | %.2f | %.2f | %.0f | %d | %.1f | %.0f%% | %.0f | %d | %d | %.2f | %.2f | %.2f |\n", tt[i],
          (tt[i] ~ /translated/ ? "Anthropic /v1/messages" : "OpenAI /v1/chat/completions"), rps, p50[k] / n[k] / 1000, p99[k] / n[k] / 1000,
          cpu, ch, cpu / ch, busy, st[k] / tck * 1e6 / req[k], bad[k], sock[k], rps / nrps, cpu / ncpu, cpu / jcpu
      }
    }' "$OUT/raw.tsv"
}
{
  echo "## Overhead run $(date -u +%Y-%m-%dT%H:%M:%SZ), regime: $REGIME"
  echo
  echo "Command: \`REGIME=$REGIME ROUNDS=$ROUNDS DURATION=$DURATION WARM=$WARM CONNECTIONS=$CONNECTIONS STREAM_TOKENS=$STREAM_TOKENS SIM_LATENCY=$SIM_LATENCY SIM_TPS=$SIM_TPS benchmarks/run-overhead.sh\`"
  echo
  echo "wrk -t1 -c$CONNECTIONS, $ROUNDS interleaved rounds x ${DURATION}s per target and mode (after ${WARM}s unmeasured warm-up each);"
  if [ "$REGIME" = pinned ]; then
    echo "proxy on cpu $PROXY_CPU, wrk + simulator on cpu $LOAD_CPU; Junction JAVA_OPTS=\"$JUNCTION_OPTS\", access logs off; streams paced at $SIM_TPS tokens/s."
  else
    echo "nothing pinned; Junction as ./junction starts it (no JAVA_OPTS, access log on, to a file), nginx 1 worker with a buffered access log; streams in one burst."
  fi
  echo "Load average before the rounds: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "p50/p99 are the mean over rounds of wrk's percentiles; req/s and CPU are totals over rounds."
  summarize
  if [ -f "$OUT/probe.tsv" ]; then
    echo
    echo "### One client (c=1): latency and time to first token, added vs direct"
    echo
    echo "$PROBE_N sequential requests per target and round on one keep-alive connection, 2 interleaved rounds; means of the two rounds' percentiles."
    echo "CPUs idle: the machine as it is. CPUs awake: the same, with a SCHED_IDLE spinner on every CPU so that no vCPU halts"
    echo "between requests (it yields to any other task at once); labelled, beside the first, never instead of it."
    echo "relay: a plain TCP relay (nginx stream module, one worker, no HTTP parsing) in front of the simulator, the floor of"
    echo "two extra loopback hops on this machine. In gateway: p50 of the time Junction spent on the request itself, from its"
    echo "access log (Server-Timing total minus connect and ttfb, which hold the upstream hops and the simulator's own time)."
    echo
    echo "| CPUs | mode | target | p50 ms | p99 ms | added p50 ms | added p50 above relay ms | in gateway p50 ms | TTFT p50 ms | added TTFT p50 ms |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' 'NR > 1 { k = $12 SUBSEP $2 SUBSEP $3; p50[k] += $5; p99[k] += $7; t50[k] += $8; own[k] += $11; n[k]++ }
      END { split("nonstream stream", ms, " "); nts = split("direct nginx relay junction translated before before-translated", ts, " ")
            for (c = 1; c <= split("idle awake", cs, " "); c++)
            for (m = 1; m <= 2; m++) { d = cs[c] SUBSEP ms[m] SUBSEP "direct"; r = cs[c] SUBSEP ms[m] SUBSEP "relay"
              for (i = 1; i <= nts; i++) { k = cs[c] SUBSEP ms[m] SUBSEP ts[i]; if (!(k in n)) continue
                a = p50[k] / n[k]; b = p50[d] / n[d]; ta = t50[k] / n[k]; tb = t50[d] / n[d]; o = own[k] / n[k]
                tt = (ta < 0) ? "–" : sprintf("%.3f", ta / 1000); at = (ta < 0) ? "–" : sprintf("%+.3f", (ta - tb) / 1000)
                ar = (ts[i] == "direct" || ts[i] == "relay" || !(r in n)) ? "–" : sprintf("%+.3f", (a - p50[r] / n[r]) / 1000)
                printf "| %s | %s | %s | %.3f | %.3f | %s | %s | %s | %s | %s |\n", cs[c], ms[m], ts[i], a / 1000, p99[k] / n[k] / 1000,
                  (ts[i] == "direct" ? "–" : sprintf("%+.3f", (a - b) / 1000)), ar, (o < 0 ? "–" : sprintf("%.3f", o / 1000)),
                  tt, (ts[i] == "direct" ? "–" : at) } } }' "$OUT/probe.tsv"
  fi
  if [ -n "$HOLD_RESULT" ]; then
    echo
    echo "### Open streams held at once (fresh Junction, launcher defaults + -Xmx$HOLD_HEAP)"
    echo
    echo "| streams | max heap | completed ok | failed | heap used after full GC, all open (MB) | heap committed (MB) | RSS (MB) | threads | ERROR lines in log |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    echo "$HOLD_RESULT"
  fi
} | tee "$OUT/results.md"

# ---------------------------------------------------------------- profile
# JFR after the measurements (so it cannot disturb them), once per mode. Three views of each recording:
# top frames (where CPU is spent, self time), the first Junction frame of each sample (which gateway
# code is responsible, library code it calls included), and allocation by first Junction frame.
# jdk.ExecutionSample only sees threads running Java code; time in syscalls is not in these tables.
jfr_tables() { # mode title
  local jfrf="$OUT/junction-$1.jfr" s="$TMP/samples-$1.txt" a="$TMP/alloc-$1.txt"
  jfr print --stack-depth 64 --events jdk.ExecutionSample "$jfrf" > "$s"
  jfr print --stack-depth 64 --events jdk.ObjectAllocationSample "$jfrf" > "$a"
  local frame_awk='{ l = $0; sub(/^[ \t]+/, "", l); sub(/[ \t]+line:.*/, "", l) }'
  awk '/stackTrace = \[/ { inst = 1; first = 1; jf = 0; next }
       inst && /^[ \t]*\]/ { inst = 0; total++; if (!jf) nojf++; next }
       inst '"$frame_awk"'
       inst && first { self[l]++; first = 0 }
       inst && !jf && l ~ /^dev\.junction\./ { own[l]++; jf = 1 }
       END { for (f in self) printf "self\t%d\t%.1f%%\t%s\n", self[f], self[f] * 100 / total, f
             own["(no Junction frame: Netty, JDK, GC/JIT threads)"] = nojf
             for (f in own) printf "own\t%d\t%.1f%%\t%s\n", own[f], own[f] * 100 / total, f
             printf "total\t%d\n", total }' "$s" > "$OUT/jfr-cpu-$1.tsv"
  # Allocation samples: weight is the bytes the thread allocated since its previous sample. The
  # first sample of a thread in a recording can carry everything since the thread started, so
  # weights over 100 MB are left out.
  awk '/jdk.ObjectAllocationSample/ { w = 0 }
       /weight = / { v = $3; u = $4; if (u ~ /kB/) v *= 1024; else if (u ~ /MB/) v *= 1048576; else if (u ~ /GB/) v *= 1073741824
                     w = (v > 104857600) ? 0 : v }
       /stackTrace = \[/ { inst = 1; found = 0; next }
       inst && /^[ \t]*\]/ { inst = 0; if (!found) own["(no Junction frame)"] += w; tot += w; next }
       inst && !found '"$frame_awk"'
       inst && !found && l ~ /^dev\.junction\./ { own[l] += w; found = 1 }
       END { for (f in own) printf "alloc\t%.0f\t%.1f%%\t%s\n", own[f], own[f] * 100 / tot, f }' "$a" > "$OUT/jfr-alloc-$1.tsv"
  local gcs pause
  gcs="$(jfr print --events jdk.GarbageCollection "$jfrf" | grep -c 'sumOfPauses' || true)"
  pause="$(jfr print --events jdk.GarbageCollection "$jfrf" | awk '/sumOfPauses/ { v = $3; if ($4 ~ /^s/) v *= 1000; if ($4 ~ /us/) v /= 1000; s += v } END { printf "%.0f", s }')"
  echo
  echo "### JFR, $2: $(cut -f2 <<<"$(grep '^total' "$OUT/jfr-cpu-$1.tsv")") execution samples, $gcs young GCs, $pause ms GC pause in 20 s"
  echo "$(tail -n 4 "$OUT/wrk-profile-$1.txt" | grep '^RESULT' | sed 's/RESULT //; s/ connect=.*//')"
  echo
  echo "Top frames (self):"
  echo
  echo "| samples | share | frame |"
  echo "|---:|---:|---|"
  grep '^self' "$OUT/jfr-cpu-$1.tsv" | sort -t$'\t' -k2,2rn | awk "NR <= 10" | awk -F'\t' '{ printf "| %s | %s | `%s` |\n", $2, $3, $4 }'
  echo
  echo "By first Junction frame on the stack (the gateway code responsible, callees included):"
  echo
  echo "| samples | share | frame |"
  echo "|---:|---:|---|"
  grep '^own' "$OUT/jfr-cpu-$1.tsv" | sort -t$'\t' -k2,2rn | awk "NR <= 12" | awk -F'\t' '{ printf "| %s | %s | `%s` |\n", $2, $3, $4 }'
  echo
  echo "Allocation by first Junction frame:"
  echo
  echo "| share | frame |"
  echo "|---:|---|"
  grep '^alloc' "$OUT/jfr-alloc-$1.tsv" | sort -t$'\t' -k2,2rn | awk "NR <= 8" | awk -F'\t' '{ printf "| %s | `%s` |\n", $3, $4 }'
}
if [ "$PROFILE" = 1 ]; then
  # "junction" always; with BEFORE_ROOT also "before" (files junction-before-<mode>.*).
  for who in junction ${BEFORE_ROOT:+before}; do
    pid="$JUNCTION_PID"; sfx=""; [ "$who" = before ] && { pid="$BEFORE_PID"; sfx="-before"; }
    for mode in nonstream stream tstream; do
      t="$who"; m="$mode"
      [ "$mode" = tstream ] && { t="$( [ "$who" = before ] && echo before-translated || echo translated )"; m=stream; }
      log "profiling $who with JFR for 20s under $mode load"
      jcmd "$pid" JFR.start name="bench-$mode" settings=profile filename="$OUT/junction$sfx-$mode.jfr" > /dev/null
      run_wrk "$t" "$m" 20 "$OUT/wrk-profile$sfx-$mode.txt"
      jcmd "$pid" JFR.stop name="bench-$mode" > /dev/null
    done
  done
  { jfr_tables nonstream "non-streaming load"; jfr_tables stream "streaming load"
    jfr_tables tstream "translated streaming load"
    if [ -n "$BEFORE_ROOT" ]; then
      echo; echo "### The same profiles of the before Junction ($BEFORE_ROOT)"
      jfr_tables before-nonstream "before, non-streaming load"; jfr_tables before-stream "before, streaming load"
      jfr_tables before-tstream "before, translated streaming load"
    fi; } | tee -a "$OUT/results.md"
fi
log "done: $OUT"
