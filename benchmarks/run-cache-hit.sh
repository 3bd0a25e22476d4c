#!/usr/bin/env bash
# CPU per request of a response-cache hit (docs/cache.md), next to nginx serving the same bytes as a
# static file: how close a hit comes to the cheapest answer an HTTP server can give.
#
#   benchmarks/run-cache-hit.sh                      # ~2 minutes
#   ROUNDS=3 DURATION=15 benchmarks/run-cache-hit.sh
#
# Targets (each measured DURATION seconds per round, interleaved, after WARM seconds of the same load):
#   nginx-json     wrk GET  -> nginx: the cached chat.completion body as a static file
#   hit-json       wrk POST -> Junction: the same request every time, answered from the cache
#   nginx-stream   wrk GET  -> nginx: the recorded SSE stream (~STREAM_TOKENS chunks) as a static file
#   hit-stream     wrk POST -> Junction: the same streaming request, replayed from the cache
# Placement as benchmarks/run-overhead.sh's pinned regime: the server under test on PROXY_CPU (nginx:
# one worker, access log off; Junction: one event loop, -XX:ActiveProcessorCount=1, access log off),
# wrk on LOAD_CPU. CPU per request = utime + stime of the server's process(es) over the window
# (/proc/<pid>/stat, all threads) / requests completed. The simulator only answers the first (miss)
# of each request; every measured Junction request must be a hit (checked).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-2}"
DURATION="${DURATION:-10}"
WARM="${WARM:-3}"
JIT_WARMUP="${JIT_WARMUP:-20}"
CONNECTIONS="${CONNECTIONS:-32}"
STREAM_TOKENS="${STREAM_TOKENS:-20}"
PROXY_CPU="${PROXY_CPU:-1}"
LOAD_CPU="${LOAD_CPU:-0}"
BASE_PORT="${BASE_PORT:-$(( 20000 + RANDOM % 30000 ))}"
SIM_PORT=$BASE_PORT; NGINX_PORT=$(( BASE_PORT + 1 )); JUNCTION_PORT=$(( BASE_PORT + 2 ))
OUT="${OUT:-$ROOT/benchmarks/target/cache-hit-$(date -u +%Y%m%dT%H%M%SZ)}"

. "$ROOT/benchmarks/lib.sh"   # log, die, wait_http, cpu_ticks
for c in wrk curl taskset; do command -v "$c" >/dev/null 2>&1 || die "$c is required (apt-get install wrk curl util-linux)"; done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"; [ -x "$NGINX" ] || die "nginx is required (apt-get install nginx)"
[ "$(nproc)" -ge 2 ] || { PROXY_CPU=0; LOAD_CPU=0; }
for p in "$SIM_PORT" "$NGINX_PORT" "$JUNCTION_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then die "port $p is in use (set BASE_PORT)"; fi
done
mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/junction-cache-hit.XXXXXX)"
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat > "$TMP/junction.conf" <<EOF
junction {
  server { host = "127.0.0.1", port = $JUNCTION_PORT, io-threads = 1 }
  access-log { enabled = false }
  providers { sim { type = openai-compatible, base-url = "http://127.0.0.1:$SIM_PORT/v1" } }
  models { "cached" { deployments = [ { provider = sim, model = "gpt-4o-mini" } ], cache { ttl = 1h } } }
}
EOF
log "building Junction (./junction check builds when sources changed)"
"$ROOT/junction" check --config "$TMP/junction.conf" > "$OUT/junction-check.txt" 2>&1 \
  || { cat "$OUT/junction-check.txt" >&2; die "junction check failed"; }
CP="$(ls "$ROOT"/launcher/target/launcher-*.jar | grep -v -e sources -e javadoc -e tests | awk "NR == 1"):$(cat "$ROOT/launcher/target/classpath.txt")"


taskset -c "$LOAD_CPU" java -XX:ActiveProcessorCount=1 -Xmx256m -cp "$CP" dev.junction.simulator.SimulatorMain \
  --port "$SIM_PORT" --threads 1 --tokens 12 > "$OUT/simulator.log" 2>&1 &
SIM_PID=$!; PIDS+=("$SIM_PID")
taskset -c "$PROXY_CPU" env JAVA_OPTS="-XX:ActiveProcessorCount=1 -Xms512m -Xmx512m -Djunction.log.level=WARN -Djunction.access-log.level=OFF" \
  "$ROOT/junction" --config "$TMP/junction.conf" > "$OUT/junction.out" 2> "$OUT/junction.log" &
JUNCTION_PID=$!; PIDS+=("$JUNCTION_PID")
wait_http "http://127.0.0.1:$SIM_PORT/v1/models" 30 "$SIM_PID" || die "simulator did not start"
wait_http "http://127.0.0.1:$JUNCTION_PORT/healthz" 60 "$JUNCTION_PID" || die "Junction did not start (see $OUT/junction.log)"

BODY_json='{"model":"cached","temperature":0,"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello in one short sentence."}]}'
BODY_stream='{"model":"cached","temperature":0,"stream":true,"messages":[{"role":"user","content":"Tell me a story. [[sim tokens='"$STREAM_TOKENS"']]"}]}'
mkdir -p "$TMP/www"
for mode in json stream; do
  body_var="BODY_$mode"
  # The miss stores the entry; the second answer is a hit, and its bytes are what nginx will serve.
  curl -s -o /dev/null -H 'content-type: application/json' -d "${!body_var}" "http://127.0.0.1:$JUNCTION_PORT/v1/chat/completions"
  curl -s -D "$TMP/$mode.head" -o "$TMP/www/$mode" -H 'content-type: application/json' -d "${!body_var}" \
    "http://127.0.0.1:$JUNCTION_PORT/v1/chat/completions"
  grep -qi '^x-junction-cache: hit' "$TMP/$mode.head" || die "$mode: the second request was not a cache hit"
  cat > "$TMP/$mode.lua" <<EOF
wrk.method = "POST"
wrk.body = [==[${!body_var}]==]
wrk.headers["Content-Type"] = "application/json"
EOF
done
log "answers: json $(wc -c < "$TMP/www/json") bytes, stream $(wc -c < "$TMP/www/stream") bytes ($(grep -c '^data: ' "$TMP/www/stream") events)"

mkdir -p "$TMP/nginx"
cat > "$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
user root;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $TMP/nginx/body;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $TMP/www;
    location = /json { default_type application/json; }
    location = /stream { default_type text/event-stream; }
  }
}
EOF
taskset -c "$PROXY_CPU" "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' > "$OUT/nginx.log" 2>&1 &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
wait_http "http://127.0.0.1:$NGINX_PORT/json" 10 "$NGINX_PID" || die "nginx did not start"

run_wrk() { # target seconds outfile
  local url script=()
  case "$1" in
    nginx-json) url="http://127.0.0.1:$NGINX_PORT/json" ;;
    nginx-stream) url="http://127.0.0.1:$NGINX_PORT/stream" ;;
    hit-json) url="http://127.0.0.1:$JUNCTION_PORT/v1/chat/completions"; script=(-s "$TMP/json.lua") ;;
    hit-stream) url="http://127.0.0.1:$JUNCTION_PORT/v1/chat/completions"; script=(-s "$TMP/stream.lua") ;;
  esac
  taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${2}s" --latency "${script[@]}" "$url" > "$3"
}
pids_of() { case "$1" in nginx-*) echo "$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')" ;; *) echo "$JUNCTION_PID" ;; esac; }

log "JIT warm-up of Junction (${JIT_WARMUP}s)"
run_wrk hit-json $(( JIT_WARMUP / 2 )) /dev/null
run_wrk hit-stream $(( JIT_WARMUP / 2 )) /dev/null
printf 'round\ttarget\trequests\tnon2xx\tticks\n' > "$OUT/raw.tsv"
targets=(nginx-json hit-json nginx-stream hit-stream)
for round in $(seq 1 "$ROUNDS"); do
  for t in "${targets[@]}"; do
    run_wrk "$t" "$WARM" /dev/null
    read -r -a pids <<<"$(pids_of "$t")"
    t0="$(cpu_ticks "${pids[@]}")"
    run_wrk "$t" "$DURATION" "$OUT/wrk-r$round-$t.txt"
    t1="$(cpu_ticks "${pids[@]}")"
    req="$(awk '/requests in/ {print $1}' "$OUT/wrk-r$round-$t.txt")"
    non2xx="$(awk '/Non-2xx/ {print $NF}' "$OUT/wrk-r$round-$t.txt")"
    printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$t" "$req" "${non2xx:-0}" "$(( t1 - t0 ))" >> "$OUT/raw.tsv"
    log "round $round $t: $req requests, non-2xx ${non2xx:-0}, $(( t1 - t0 )) ticks"
  done
  targets=("${targets[@]:1}" "${targets[0]}")
done

# Every measured Junction request was a hit: the two misses are the two that filled the cache.
misses="$(curl -s "http://127.0.0.1:$JUNCTION_PORT/metrics" \
  | awk '/^junction_cache_requests_total[{]alias="cached",result="miss"[}]/ {print int($2)}')"
[ "$misses" = 2 ] || die "expected 2 cache misses in all, /metrics says ${misses:-none}"
clk="$(getconf CLK_TCK)"
{
  echo "wrk -t1 -c$CONNECTIONS, $ROUNDS rounds x ${DURATION}s per target; server on CPU $PROXY_CPU, wrk on CPU $LOAD_CPU;"
  echo "json answer $(wc -c < "$TMP/www/json") bytes, stream $(wc -c < "$TMP/www/stream") bytes ($(grep -c '^data: ' "$TMP/www/stream") events)."
  echo
  echo "| target | requests/s | CPU µs per request | vs nginx |"
  echo "|---|---:|---:|---:|"
  awk -F'\t' -v clk="$clk" -v dur="$DURATION" -v rounds="$ROUNDS" 'NR > 1 {
      req[$2] += $3; ticks[$2] += $5; bad[$2] += $4 }
    END {
      split("nginx-json hit-json nginx-stream hit-stream", ts, " ")
      for (i = 1; i <= 4; i++) { t = ts[i]; us[t] = req[t] ? ticks[t] / clk * 1e6 / req[t] : 0 }
      for (i = 1; i <= 4; i++) {
        t = ts[i]; base = (t ~ /json/) ? us["nginx-json"] : us["nginx-stream"]
        printf "| %s | %.0f | %.1f | %s |\n", t, req[t] / (dur * rounds), us[t], (t ~ /^hit/ && base > 0) ? sprintf("%.1fx", us[t] / base) : "1x"
        if (bad[t] > 0) { printf "\n%s had %d non-2xx answers\n", t, bad[t] }
      }
    }' "$OUT/raw.tsv"
} | tee "$OUT/results.md"
