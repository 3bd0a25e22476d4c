#!/usr/bin/env bash
# End-to-end overhead of Junction against a plain nginx reverse proxy, on this machine, in one run.
#
#   benchmarks/run-overhead.sh                    # defaults below, ~7 minutes
#   ROUNDS=1 DURATION=10 benchmarks/run-overhead.sh   # quicker, noisier
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

ROUNDS="${ROUNDS:-2}"              # interleaved rounds; results are summed over rounds
DURATION="${DURATION:-15}"         # measured seconds per target, mode and round
WARM="${WARM:-3}"                  # unmeasured seconds of the same load right before each measurement
JIT_WARMUP="${JIT_WARMUP:-20}"     # seconds of load on Junction before anything is measured
CONNECTIONS="${CONNECTIONS:-32}"
STREAM_TOKENS="${STREAM_TOKENS:-50}"
SIM_LATENCY="${SIM_LATENCY:-1ms}"  # simulator delay before the first byte
SIM_TPS="${SIM_TPS:-2000}"         # stream pacing: 2000 tokens/s = one chunk every 0.5 ms
PROXY_CPU="${PROXY_CPU:-1}"
LOAD_CPU="${LOAD_CPU:-0}"
PROFILE="${PROFILE:-1}"            # 1 = after the measurements, a 20 s JFR profile of Junction per mode
SIM_PORT="${SIM_PORT:-19001}"
NGINX_PORT="${NGINX_PORT:-19002}"
JUNCTION_PORT="${JUNCTION_PORT:-19003}"
JUNCTION_HEAP="${JUNCTION_HEAP:-512m}"
# Extra HOCON inside Junction's junction { } block, e.g. to measure tracing export:
#   JUNCTION_EXTRA='tracing { otlp-endpoint = "http://127.0.0.1:19001/v1/traces" }'
JUNCTION_EXTRA="${JUNCTION_EXTRA:-}"
OUT="${OUT:-$ROOT/benchmarks/target/overhead-$(date -u +%Y%m%dT%H%M%SZ)}"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- prerequisites
need_install=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_install+=(nginx)
command -v wrk >/dev/null 2>&1 || need_install+=(wrk)
command -v taskset >/dev/null 2>&1 || need_install+=(util-linux)
command -v curl >/dev/null 2>&1 || need_install+=(curl)
if [ "${#need_install[@]}" -gt 0 ]; then
  log "installing ${need_install[*]} (apt-get)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_install[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
command -v java >/dev/null 2>&1 || die "java 17+ is required"
command -v jcmd >/dev/null 2>&1 || PROFILE=0
[ "$(nproc)" -ge 2 ] || { log "one CPU only: no pinning"; PROXY_CPU=0; LOAD_CPU=0; }

for p in "$SIM_PORT" "$NGINX_PORT" "$JUNCTION_PORT"; do
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
cat > "$TMP/junction.conf" <<EOF
# Generated by benchmarks/run-overhead.sh: two aliases on the local simulator, nothing else.
# gpt-4o-mini is passed through (OpenAI-shaped upstream); claude-haiku-4-5 is translated (the
# simulator's Anthropic /v1/messages on the same port; it accepts any key).
junction {
  server { host = "127.0.0.1", port = $JUNCTION_PORT, io-threads = 1 }
  providers {
    sim { type = openai-compatible, base-url = "http://127.0.0.1:$SIM_PORT/v1" }
    sim-anthropic { type = anthropic, base-url = "http://127.0.0.1:$SIM_PORT", api-key = "bench-anthropic-key" }
  }
  models {
    "gpt-4o-mini" { deployments = [ { provider = sim, model = "gpt-4o-mini" } ] }
    "claude-haiku-4-5" { deployments = [ { provider = sim-anthropic, model = "claude-haiku-4-5" } ] }
  }
  access-log { enabled = false }
  tasks { path = "$TMP/tasks.db" }
  $JUNCTION_EXTRA
}
EOF
"$ROOT/junction" check --config "$TMP/junction.conf" > "$OUT/junction-check.txt" 2>&1 \
  || { cat "$OUT/junction-check.txt" >&2; die "junction check failed"; }
CP="$(ls "$ROOT"/proxy-core/target/proxy-core-*.jar | grep -v -e sources -e javadoc -e tests | awk "NR == 1"):$(cat "$ROOT/proxy-core/target/classpath.txt")"

# ---------------------------------------------------------------- helpers
wait_http() { # url timeout_s pid
  local i
  for i in $(seq 1 $(( $2 * 10 ))); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

clk_tck="$(getconf CLK_TCK)"
# CPU ticks (utime + stime) of the given pids, all threads each.
cpu_ticks() {
  local total=0 pid f
  for pid in "$@"; do
    f="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    # Fields after the ")" that closes comm: 3=state ... utime is field 14, stime 15 overall.
    f="${f##*) }"
    set -- $f
    total=$(( total + ${12} + ${13} ))
  done
  echo "$total"
}

# ---------------------------------------------------------------- simulator
log "starting simulator on 127.0.0.1:$SIM_PORT (cpu $LOAD_CPU, latency $SIM_LATENCY, $SIM_TPS tokens/s)"
taskset -c "$LOAD_CPU" java -XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -cp "$CP" \
  dev.junction.simulator.SimulatorMain --port "$SIM_PORT" --threads 1 --latency "$SIM_LATENCY" \
  --tps "$SIM_TPS" --tokens 12 > "$OUT/simulator.log" 2>&1 &
SIM_PID=$!; PIDS+=("$SIM_PID")

# ---------------------------------------------------------------- nginx
mkdir -p "$TMP/nginx"
cat > "$TMP/nginx/nginx.conf" <<EOF
# Generated by benchmarks/run-overhead.sh: a plain reverse proxy in front of the simulator.
# One worker (pinned with the master to one core), as Junction gets one event loop on one core.
worker_processes 1;
user root;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
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
log "starting nginx on 127.0.0.1:$NGINX_PORT (cpu $PROXY_CPU, 1 worker)"
taskset -c "$PROXY_CPU" "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' \
  > "$OUT/nginx.log" 2>&1 &
NGINX_PID=$!; PIDS+=("$NGINX_PID")

# ---------------------------------------------------------------- junction
# Logging: WARN and no access log, through the switches of proxy-core's logback.xml (the config
# loader leaves junction.log.* and junction.access-log.level to logback).
JUNCTION_OPTS="-XX:ActiveProcessorCount=1 -Xms$JUNCTION_HEAP -Xmx$JUNCTION_HEAP -Djunction.log.level=WARN -Djunction.access-log.level=OFF"
log "starting Junction on 127.0.0.1:$JUNCTION_PORT (cpu $PROXY_CPU, $JUNCTION_OPTS)"
# taskset and the launcher both exec, so $! is the JVM itself.
taskset -c "$PROXY_CPU" env JAVA_OPTS="$JUNCTION_OPTS" "$ROOT/junction" --config "$TMP/junction.conf" \
  > "$OUT/junction.out" 2> "$OUT/junction.log" &
JUNCTION_PID=$!; PIDS+=("$JUNCTION_PID")

wait_http "http://127.0.0.1:$SIM_PORT/v1/models" 30 "$SIM_PID" || die "simulator did not start (see $OUT/simulator.log)"
wait_http "http://127.0.0.1:$NGINX_PORT/v1/models" 10 "$NGINX_PID" || die "nginx did not start (see $TMP/nginx/error.log)"
wait_http "http://127.0.0.1:$JUNCTION_PORT/healthz" 60 "$JUNCTION_PID" || die "Junction did not start (see $OUT/junction.log)"
NGINX_WORKERS="$(pgrep -P "$NGINX_PID" | tr '\n' ' ')"
[ -n "$NGINX_WORKERS" ] || die "no nginx worker"
log "pids: simulator $SIM_PID, nginx $NGINX_PID (workers $NGINX_WORKERS), junction $JUNCTION_PID"

url_of() { case "$1" in direct) echo "http://127.0.0.1:$SIM_PORT" ;; nginx) echo "http://127.0.0.1:$NGINX_PORT" ;;
                        junction|translated) echo "http://127.0.0.1:$JUNCTION_PORT" ;; esac; }
proxy_pids() { case "$1" in direct) echo "" ;; nginx) echo "$NGINX_PID $NGINX_WORKERS" ;; junction|translated) echo "$JUNCTION_PID" ;; esac; }
# The body (and wrk script) a target gets in a mode: "translated" sends the streaming request to the
# alias on the Anthropic provider; everything else sends the mode's own body.
body_of() { if [ "$1" = translated ]; then echo tstream; else echo "$2"; fi; }

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
  ts="direct nginx junction"; [ "$mode" = stream ] && ts="$ts translated"
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
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${3}s" --timeout 10s --latency -s "$TMP/$(body_of "$1" "$2").lua" \
    "$(url_of "$1")/v1/chat/completions" > "$4" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID"
  WRK_PID=""
}

log "JIT warm-up of Junction: ${JIT_WARMUP}s non-streaming + $(( JIT_WARMUP / 2 ))s streaming + $(( JIT_WARMUP / 2 ))s translated streaming"
run_wrk junction nonstream "$JIT_WARMUP" "$OUT/warmup-nonstream.txt"
run_wrk junction stream "$(( JIT_WARMUP / 2 ))" "$OUT/warmup-stream.txt"
run_wrk translated stream "$(( JIT_WARMUP / 2 ))" "$OUT/warmup-translated.txt"
run_wrk nginx nonstream 3 /dev/null

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'round\tmode\ttarget\trequests\tduration_us\tp50_us\tp99_us\tnon2xx\tsock_errors\tproxy_ticks\tsim_ticks\n' > "$OUT/raw.tsv"
for round in $(seq 1 "$ROUNDS"); do
  for mode in nonstream stream; do
    targets=(direct nginx junction); [ "$mode" = stream ] && targets+=(translated)
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

# ---------------------------------------------------------------- summary
summarize() {
  awk -F'\t' -v tck="$clk_tck" -v chunks_p="$CHUNKS_stream" -v chunks_t="$CHUNKS_translated" '
    NR == 1 { next }
    { k = $2 SUBSEP $3; req[k] += $4; dur[k] += $5; p50[k] += $6; p99[k] += $7; n[k]++
      bad[k] += $8; sock[k] += $9; pt[k] += $10; st[k] += $11 }
    END {
      split("nonstream stream", modes, " "); split("direct nginx junction", ts, " ")
      for (m = 1; m <= 2; m++) {
        mode = modes[m]
        printf "\n### %s\n\n", (mode == "nonstream" ? "Non-streaming (small chat request)" : "Streaming (~'"$STREAM_TOKENS"' chunks)")
        print "| target | req/s | p50 ms | p99 ms | proxy CPU µs/req | proxy CPU busy | simulator CPU µs/req | non-2xx | socket errors | req/s vs nginx | CPU/req vs nginx |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        kn = mode SUBSEP "nginx"
        nrps = req[kn] / (dur[kn] / 1e6); ncpu = pt[kn] / tck * 1e6 / req[kn]
        for (i = 1; i <= 3; i++) {
          k = mode SUBSEP ts[i]
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
      split("nginx junction translated", tt, " ")
      kn = "stream" SUBSEP "nginx"; kj = "stream" SUBSEP "junction"
      nrps = req[kn] / (dur[kn] / 1e6); ncpu = pt[kn] / tck * 1e6 / req[kn]; jcpu = pt[kj] / tck * 1e6 / req[kj]
      for (i = 1; i <= 3; i++) {
        k = "stream" SUBSEP tt[i]
        if (!(k in req)) continue
        rps = req[k] / (dur[k] / 1e6); cpu = pt[k] / tck * 1e6 / req[k]; busy = pt[k] / tck / (dur[k] / 1e6) * 100
        ch = (tt[i] == "translated") ? chunks_t : chunks_p
        printf "| %s | %s | %.0f | %.2f | %.2f | %.0f | %d | %.1f | %.0f%% | %.0f | %d | %d | %.2f | %.2f | %.2f |\n", tt[i],
          (tt[i] == "translated" ? "Anthropic /v1/messages" : "OpenAI /v1/chat/completions"), rps, p50[k] / n[k] / 1000, p99[k] / n[k] / 1000,
          cpu, ch, cpu / ch, busy, st[k] / tck * 1e6 / req[k], bad[k], sock[k], rps / nrps, cpu / ncpu, cpu / jcpu
      }
    }' "$OUT/raw.tsv"
}
{
  echo "## Overhead run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Command: \`ROUNDS=$ROUNDS DURATION=$DURATION WARM=$WARM CONNECTIONS=$CONNECTIONS SIM_LATENCY=$SIM_LATENCY SIM_TPS=$SIM_TPS benchmarks/run-overhead.sh\`"
  echo
  echo "wrk -t1 -c$CONNECTIONS, $ROUNDS interleaved rounds x ${DURATION}s per target and mode (after ${WARM}s unmeasured warm-up each);"
  echo "proxy on cpu $PROXY_CPU, wrk + simulator on cpu $LOAD_CPU; load average before the rounds: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "p50/p99 are the mean over rounds of wrk's percentiles; req/s and CPU are totals over rounds."
  summarize
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
  for mode in nonstream stream tstream; do
    t=junction; m="$mode"; [ "$mode" = tstream ] && { t=translated; m=stream; }
    log "profiling Junction with JFR for 20s under $mode load"
    jcmd "$JUNCTION_PID" JFR.start name="bench-$mode" settings=profile filename="$OUT/junction-$mode.jfr" > /dev/null
    run_wrk "$t" "$m" 20 "$OUT/wrk-profile-$mode.txt"
    jcmd "$JUNCTION_PID" JFR.stop name="bench-$mode" > /dev/null
  done
  { jfr_tables nonstream "non-streaming load"; jfr_tables stream "streaming load"
    jfr_tables tstream "translated streaming load"; } | tee -a "$OUT/results.md"
fi
log "done: $OUT"
