#!/usr/bin/env bash
# What per-key limits (local and Redis), metrics and span export cost on Junction's request path,
# each feature on vs off, measured side by side in one run.
#
#   benchmarks/run-features.sh                       # ~8 minutes
#   ROUNDS=2 DURATION=5 benchmarks/run-features.sh   # quicker, noisier
#
# One vendor simulator, one redis-server, one nginx (as the OTLP collector: it answers every
# POST /v1/traces with 200) and one Junction process per variant, all started at once with the same
# JVM settings (-XX:ActiveProcessorCount=1, fixed heap, one event loop, access log off, logging at
# WARN); the variants differ only in their config:
#   base          gateway key without limits, metrics on (the default), no span export (the default)
#   limits-local  the key has rpm, tpm, max-concurrent and both budgets (never reached), store = local
#   limits-redis  the same limits, store = redis (the redis-server started here)
#   metrics-off   base with junction.metrics.enabled = false
#   tracing-otlp  base with junction.tracing.otlp-endpoint set (spans per request and attempt exported)
# For each mode (small non-streaming chat request; streaming request of STREAM_TOKENS chunks), for
# ROUNDS rounds, for each variant (order rotated every round): WARM s of unmeasured load, then
# DURATION s of wrk -t1 -c$CONNECTIONS; recorded: requests, p50/p99, non-2xx, socket errors, and the
# CPU time (utime + stime from /proc/<pid>/stat, all threads) the variant's JVM used in the window,
# divided by the requests completed (µs/req; for limits-redis, redis-server's CPU too).
# The figures to read are the ratios of CPU per request against base (metrics: base against
# metrics-off) within this run: the machine is shared, absolute numbers move between runs.
#
# Redis round trips per request: after the rounds, REDIS_N sequential requests through limits-redis;
# the round trips are the calls counted by redis-server (INFO commandstats, every command) between
# before and after, divided by REDIS_N.
#
# Everything listens on 127.0.0.1, on ports from BASE_PORT (random in 20000-59000 unless set).
# Every process started here is stopped on exit (trap), by its PID.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-8}"
WARM="${WARM:-2}"
JIT_WARMUP="${JIT_WARMUP:-15}"      # seconds of each load per variant before anything is measured
CONNECTIONS="${CONNECTIONS:-16}"
STREAM_TOKENS="${STREAM_TOKENS:-20}"
MODES="${MODES:-nonstream stream}"
VARIANTS="${VARIANTS:-base limits-local limits-redis metrics-off tracing-otlp}"
REDIS_N="${REDIS_N:-500}"
BASE_PORT="${BASE_PORT:-$(( 20000 + RANDOM % 39000 ))}"
HEAP="${HEAP:-256m}"
OUT="${OUT:-$ROOT/benchmarks/target/features-$(date -u +%Y%m%dT%H%M%SZ)}"

. "$ROOT/benchmarks/lib.sh"   # log, die, wait_http, cpu_ticks

need_install=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_install+=(nginx)
command -v wrk >/dev/null 2>&1 || need_install+=(wrk)
command -v curl >/dev/null 2>&1 || need_install+=(curl)
command -v redis-server >/dev/null 2>&1 || need_install+=(redis-server)
if [ "${#need_install[@]}" -gt 0 ]; then
  log "installing ${need_install[*]} (apt-get)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_install[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

SIM_PORT=$BASE_PORT; REDIS_PORT=$(( BASE_PORT + 1 )); OTLP_PORT=$(( BASE_PORT + 2 ))
i=3; declare -A PORT
for v in $VARIANTS; do PORT[$v]=$(( BASE_PORT + i )); i=$(( i + 1 )); done
for p in $(seq "$BASE_PORT" $(( BASE_PORT + i - 1 ))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then die "port $p is in use (set BASE_PORT)"; fi
done
mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/junction-features.XXXXXX)"

PIDS=(); WRK_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -z "$WRK_PID" ] || kill "$WRK_PID" 2>/dev/null || true
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

# ---------------------------------------------------------------- configs
LIMITS='rpm = 100000000, tpm = 2000000000, max-concurrent = 100000, budget-usd-per-day = 1000000, budget-usd-per-month = 10000000'
conf() { # variant -> file
  local key_limits="" extra=""
  case "$1" in
    limits-local) key_limits=", $LIMITS"; extra="limits { store = local, path = \"$TMP/limits-$1.db\" }" ;;
    limits-redis) key_limits=", $LIMITS"; extra="limits { store = redis, redis-uri = \"redis://127.0.0.1:$REDIS_PORT/0\" }" ;;
    metrics-off) extra="metrics { enabled = false }" ;;
    tracing-otlp) extra="tracing { otlp-endpoint = \"http://127.0.0.1:$OTLP_PORT/v1/traces\" }" ;;
  esac
  cat > "$TMP/$1.conf" <<EOF
# Generated by benchmarks/run-features.sh, variant $1.
junction {
  server { host = "127.0.0.1", port = ${PORT[$1]}, io-threads = 1 }
  auth { keys = [ { name = "bench", key = "bench-key"$key_limits } ] }
  providers { sim { type = openai-compatible, base-url = "http://127.0.0.1:$SIM_PORT/v1" } }
  models { "gpt-4o-mini" { deployments = [ { provider = sim, model = "gpt-4o-mini" } ] } }
  access-log { enabled = false }
  tasks { path = "$TMP/tasks-$1.db" }
  $extra
}
EOF
}
for v in $VARIANTS; do conf "$v"; done

log "building Junction (./junction check builds when sources changed)"
for v in $VARIANTS; do
  "$ROOT/junction" check --config "$TMP/$v.conf" > "$OUT/check-$v.txt" 2>&1 || { cat "$OUT/check-$v.txt" >&2; die "junction check ($v) failed"; }
done
CP="$(ls "$ROOT"/launcher/target/launcher-*.jar | grep -v -e sources -e javadoc -e tests | awk "NR == 1"):$(cat "$ROOT/launcher/target/classpath.txt")"


# ---------------------------------------------------------------- servers
java -XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -cp "$CP" dev.junction.simulator.SimulatorMain --port "$SIM_PORT" \
  --threads 1 --latency 1ms --tps 0 --tokens 12 > "$OUT/simulator.log" 2>&1 &
SIM_PID=$!; PIDS+=("$SIM_PID")
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP" > "$OUT/redis.log" 2>&1 &
REDIS_PID=$!; PIDS+=("$REDIS_PID")
mkdir -p "$TMP/nginx"
cat > "$TMP/nginx/nginx.conf" <<EOF
# The OTLP collector of the tracing-otlp variant: accepts every export, keeps nothing.
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  client_max_body_size 64m;
  server {
    listen 127.0.0.1:$OTLP_PORT;
    location /v1/traces { default_type application/x-protobuf; return 200 ""; }
  }
}
EOF
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' > "$OUT/nginx.log" 2>&1 &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
declare -A JPID
for v in $VARIANTS; do
  env JAVA_OPTS="-XX:ActiveProcessorCount=1 -Xms$HEAP -Xmx$HEAP -Djunction.log.level=WARN -Djunction.access-log.level=OFF" \
    "$ROOT/junction" --config "$TMP/$v.conf" > "$OUT/junction-$v.out" 2> "$OUT/junction-$v.log" &
  JPID[$v]=$!; PIDS+=("${JPID[$v]}")
done
wait_http "http://127.0.0.1:$SIM_PORT/v1/models" 30 "$SIM_PID" || die "simulator did not start"
for v in $VARIANTS; do
  wait_http "http://127.0.0.1:${PORT[$v]}/healthz" 90 "${JPID[$v]}" || die "Junction $v did not start (see $OUT/junction-$v.log)"
done

# ---------------------------------------------------------------- bodies, checks
BODY_nonstream='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello in one short sentence."}]}'
BODY_stream='{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Tell me a story. [[sim tokens='"$STREAM_TOKENS"']]"}]}'
for mode in nonstream stream; do
  body_var="BODY_$mode"
  cat > "$TMP/$mode.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-key"
wrk.body = [==[${!body_var}]==]
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errs=%d\n", summary.requests,
    summary.duration, latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout))
end
EOF
done
for v in $VARIANTS; do
  code="$(curl -sS -o "$OUT/check-$v.body" -D "$OUT/check-$v.head" -w '%{http_code}' -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer bench-key' --data-binary "$BODY_nonstream" "http://127.0.0.1:${PORT[$v]}/v1/chat/completions")"
  [ "$code" = 200 ] || die "$v: HTTP $code $(head -c 300 "$OUT/check-$v.body")"
  case "$v" in limits-*) grep -qi '^x-ratelimit-remaining-requests:' "$OUT/check-$v.head" || die "$v: no rate-limit headers" ;; esac
done
log "checks passed (200 everywhere, rate-limit headers on the limits variants)"

run_wrk() { # variant mode seconds outfile
  wrk -t1 -c"$CONNECTIONS" -d"${3}s" --timeout 10s --latency -s "$TMP/$2.lua" \
    "http://127.0.0.1:${PORT[$1]}/v1/chat/completions" > "$4" 2>&1 &
  WRK_PID=$!; wait "$WRK_PID"; WRK_PID=""
}

log "JIT warm-up: ${JIT_WARMUP}s per variant and mode"
for mode in $MODES; do for v in $VARIANTS; do run_wrk "$v" "$mode" "$JIT_WARMUP" "$OUT/warmup-$v-$mode.txt"; done; done

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'round\tmode\tvariant\trequests\tduration_us\tp50_us\tp99_us\tnon2xx\tsock_errors\tjvm_ticks\tredis_ticks\n' > "$OUT/raw.tsv"
read -r -a vs <<<"$VARIANTS"; nv="${#vs[@]}"
for round in $(seq 1 "$ROUNDS"); do
  for mode in $MODES; do
    for k in $(seq 0 $(( nv - 1 ))); do
      v="${vs[$(( (k + round - 1) % nv ))]}"
      run_wrk "$v" "$mode" "$WARM" /dev/null
      j0="$(cpu_ticks "${JPID[$v]}")"; r0="$(cpu_ticks "$REDIS_PID")"
      f="$OUT/wrk-r$round-$mode-$v.txt"
      run_wrk "$v" "$mode" "$DURATION" "$f"
      j1="$(cpu_ticks "${JPID[$v]}")"; r1="$(cpu_ticks "$REDIS_PID")"
      r="$(grep '^RESULT' "$f")" || die "wrk failed: $(cat "$f")"
      val() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $r"; }
      non2xx="$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$f")"; non2xx="${non2xx:-0}"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$v" "$(val requests)" "$(val duration_us)" \
        "$(val p50_us)" "$(val p99_us)" "$non2xx" "$(val errs)" $(( j1 - j0 )) $(( r1 - r0 )) >> "$OUT/raw.tsv"
      log "round $round $mode $v: $(val requests) requests, p50 $(val p50_us)us, non-2xx $non2xx, jvm $(( j1 - j0 )) ticks"
    done
  done
done
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- Redis round trips per request
RT=""
if [[ " $VARIANTS " == *" limits-redis "* ]]; then
  calls() { redis-cli -p "$REDIS_PORT" INFO commandstats | tr -d '\r' | sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),.*/\1 \2/p'; }
  calls > "$TMP/calls0"
  url="http://127.0.0.1:${PORT[limits-redis]}/v1/chat/completions"
  for _ in $(seq 1 "$REDIS_N"); do
    curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Authorization: Bearer bench-key' --data-binary "$BODY_nonstream" "$url"
  done
  sleep 1   # settlements complete after the answer is written
  calls > "$TMP/calls1"
  # INFO itself is counted once per call of calls(): subtract it.
  # Round trips are the commands clients sent: the script calls (EVALSHA, EVAL; SCRIPT when a script
  # had to be loaded again). commandstats also counts the commands run inside the scripts; they are
  # listed apart (they cost Redis CPU, not round trips). INFO itself is counted once per calls().
  RT="$(awk -v n="$REDIS_N" 'NR == FNR { a[$1] = $2; next }
        { d = $2 - a[$1]; if ($1 == "info") d -= 1; if (d <= 0) next
          if ($1 ~ /^(evalsha|eval|script|evalsha_ro|eval_ro)$/) { rt += d; top = top sprintf("%s %d, ", $1, d) }
          else { inner += d; per = per sprintf("%s %d, ", $1, d) } }
        END { printf "%d round trips for %d requests = %.3f per request (%s); inside the scripts %d commands = %.1f per request (%s)",
              rt, n, rt / n, substr(top, 1, length(top) - 2), inner, inner / n, substr(per, 1, length(per) - 2) }' "$TMP/calls0" "$TMP/calls1")"
  log "$RT"
fi

# ---------------------------------------------------------------- summary
{
  echo "## Feature cost on the request path ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
  echo
  echo "ROUNDS=$ROUNDS DURATION=${DURATION}s CONNECTIONS=$CONNECTIONS, load average at start $LOAD_START, at end $LOAD_END"
  echo
  for mode in $MODES; do
    echo "### $mode"
    echo
    echo "| variant | requests | req/s | p50 ms | p99 ms | non-2xx + errors | JVM CPU µs/req | vs base (sums) | per round vs base | median round | redis CPU µs/req |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' -v mode="$mode" -v tck="$clk_tck" -v vars="$VARIANTS" '
      NR > 1 && $2 == mode { req[$3] += $4; dur[$3] += $5; p50[$3] += $6; p99[$3] += $7; n[$3]++; bad[$3] += $8 + $9
                             t[$3] += $10; rt[$3] += $11; rr[$1, $3] = ($4 > 0 ? $10 / $4 : 0); if ($1 > maxr) maxr = $1 }
      END {
        nv = split(vars, v, " "); base = (req["base"] > 0) ? t["base"] / req["base"] : 0
        for (i = 1; i <= nv; i++) { x = v[i]; if (!n[x]) continue
          cpu = (req[x] > 0) ? t[x] * 1e6 / tck / req[x] : 0
          pr = ""; m = 0
          for (r = 1; r <= maxr; r++) if (rr[r, "base"] > 0) { q = rr[r, x] / rr[r, "base"]; pr = pr sprintf("%s%.2f", (pr == "") ? "" : ", ", q); s[++m] = q }
          for (i2 = 2; i2 <= m; i2++) { q = s[i2]; j2 = i2 - 1; while (j2 > 0 && s[j2] > q) { s[j2 + 1] = s[j2]; j2-- } s[j2 + 1] = q }
          med = (m == 0) ? "-" : sprintf("%.2f", (m % 2) ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2)
          vb = "-"; if (base > 0 && req[x] > 0) vb = sprintf("%.3f", (t[x] / req[x]) / base)
          rc = ""; if (x == "limits-redis") rc = sprintf("%.1f", rt[x] * 1e6 / tck / req[x])
          printf("| %s | %d | %.0f | %.2f | %.2f | %d | %.1f | %s | %s | %s | %s |\n", x, req[x], req[x] / (dur[x] / 1e6),
            p50[x] / n[x] / 1000, p99[x] / n[x] / 1000, bad[x], cpu, vb, pr, med, rc) } }' "$OUT/raw.tsv"
    echo
  done
  [ -z "$RT" ] || { echo "Redis round trips (limits-redis, $REDIS_N sequential requests, INFO commandstats): $RT"; echo; }
} | tee "$OUT/results.md"
log "output in $OUT"
