#!/usr/bin/env bash
# CPU per request of a server under load (RESULTS.md's "2026-12-04" sections):
#   benchmarks/cpu-per-request.sh URL SECS LUA PID...
# runs wrk -t1 -c50 for SECS against URL with the request of the LUA script (benchmarks/lua/) and
# prints the user and system CPU time of the PIDs (all their threads, from /proc/<pid>/stat) per
# request completed. For nginx give the master and the worker.
URL=$1; S=$2; L=$3; shift 3
snap() { for p in "$@"; do s=$(cut -d')' -f2 /proc/$p/stat); set -- $s; echo "${12} ${13}"; done | awk '{u+=$1; s+=$2} END{print u, s}'; }
a=$(snap "$@"); out=$(wrk -t1 -c50 -d${S}s -s $L $URL); b=$(snap "$@")
req=$(echo "$out" | awk '/requests in/{print $1}'); n2=$(echo "$out" | awk '/Non-2xx/{print $NF}')
echo "$a $b $req ${n2:-0}" | awk '{printf "req %d non2xx %d user %.2f sys %.2f total %.2f us/req\n", $5, $6, ($3-$1)*1e4/$5, ($4-$2)*1e4/$5, ($3-$1+$4-$2)*1e4/$5}'
