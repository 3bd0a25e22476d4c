#!/usr/bin/env bash
# A side-by-side bench for quick A/B measurements of one tree against another (RESULTS.md's
# "2026-12-04" sections): the simulator, nginx and a Junction, left running.
#
#   benchmarks/bench-env.sh ROOT DIR BASE
#
# starts the simulator on 127.0.0.1:BASE+1 (streams in one burst), nginx on BASE+2 (one worker, a
# buffered access log, upstream keep-alive; as run-overhead.sh configures it) and the Junction of the
# checkout ROOT on BASE+3, as ./junction starts it (shipped defaults, access log to DIR/access.log),
# with aliases gpt-4o-mini (passed through) and claude-haiku-4-5 (translated from Anthropic). Writes
# SIM=, NGINX=, JUNCTION= pids to DIR/pids (nginx's worker: pgrep -P $NGINX); stop them with kill.
# ROOT must be built (./junction check --config any.conf builds it). Then measure with
# benchmarks/cpu-per-request.sh and benchmarks/thread-cpu.sh; a second Junction (another tree) can be
# started on the same simulator with a copy of DIR/junction.conf on another port.
set -e
ROOT=$1; D=$2; BASE=${3:?usage: bench-env.sh ROOT DIR BASE}; mkdir -p $D/nginx
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CP="$(ls $ROOT/launcher/target/launcher-*.jar | grep -v -e sources -e tests | head -1):$(cat $ROOT/launcher/target/classpath.txt)"
java -XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -cp "$CP" dev.junction.simulator.SimulatorMain --port $((BASE+1)) --threads 1 --latency 1ms --tps 0 --tokens 12 > $D/sim.log 2>&1 &
echo "SIM=$!" > $D/pids
cat > $D/nginx/nginx.conf <<NG
worker_processes 1; user root; pid $D/nginx/nginx.pid; error_log $D/nginx/error.log warn;
events { worker_connections 4096; }
http { access_log $D/nginx-access.log combined buffer=64k flush=1s;
  client_body_temp_path $D/nginx/body; proxy_temp_path $D/nginx/proxy; fastcgi_temp_path $D/nginx/f; uwsgi_temp_path $D/nginx/u; scgi_temp_path $D/nginx/s;
  keepalive_requests 1000000;
  upstream sim { server 127.0.0.1:$((BASE+1)); keepalive 64; keepalive_requests 1000000; }
  server { listen 127.0.0.1:$((BASE+2)); location / { proxy_pass http://sim; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; } } }
NG
nginx -p $D/nginx -c $D/nginx/nginx.conf -g 'daemon off;' > $D/nginx.log 2>&1 &
echo "NGINX=$!" >> $D/pids
bench_junction_conf $D/junction.conf $((BASE+3)) $((BASE+1)) $D/tasks.db
$ROOT/junction --config $D/junction.conf > $D/access.log 2> $D/junction.log &
echo "JUNCTION=$!" >> $D/pids
JPID=$(sed -n 's/^JUNCTION=//p' $D/pids)
wait_http "http://127.0.0.1:$((BASE+3))/healthz" 60 "$JPID" || die "Junction did not start (see $D/junction.log)"
log "simulator :$((BASE+1)), nginx :$((BASE+2)), junction :$((BASE+3)); pids in $D/pids"
