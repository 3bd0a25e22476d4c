# Shell functions shared by the benchmark scripts (sourced, not run): logging, waiting for a server,
# and the CPU time a process consumed, read from /proc.
#
#   . "$ROOT/benchmarks/lib.sh"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Waits until url answers (any status), at most timeout_s seconds; fails at once when pid has exited.
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
# CPU ticks (utime + stime) of the given pids, all threads each; 1 tick = 1/clk_tck seconds.
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

# Writes a wrk Lua script that sends method (with body, when given, as JSON and the extra
# "Name: value" headers) and prints one line "RESULT requests=... duration_us=... p50_us=...
# p99_us=... connect=... read=... write=... status=... timeout=..." when wrk ends.
wrk_script() { # file method body [header...]
  local file="$1" method="$2" body="$3"; shift 3
  {
    echo "wrk.method = \"$method\""
    [ -z "$body" ] || echo 'wrk.headers["Content-Type"] = "application/json"'
    local h
    for h in "$@"; do echo "wrk.headers[\"${h%%:*}\"] = \"${h#*: }\""; done
    [ -z "$body" ] || echo "wrk.body = [==[$body]==]"
    cat <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d bytes=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, summary.bytes))
end
LUA
  } > "$file"
}

# The value of key=N in a RESULT line (see wrk_script).
result_field() { # line key
  sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<" $1"
}
