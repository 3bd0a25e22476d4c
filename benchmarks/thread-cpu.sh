#!/usr/bin/env bash
# CPU per request of each of a process's threads (by thread name) under load:
#   benchmarks/thread-cpu.sh URL SECS LUA PID
URL=$1; S=$2; L=$3; PID=$4
snap() { for t in /proc/$PID/task/*; do n=$(cat $t/comm); s=$(cut -d')' -f2 $t/stat); set -- $s; echo "$n $(( ${12} + ${13} ))"; done | awk '{a[$1]+=$2} END{for(k in a) print k"\t"a[k]}' | sort; }
snap > /tmp/thr-$$.0; out=$(wrk -t1 -c50 -d${S}s -s $L $URL); snap > /tmp/thr-$$.1
req=$(echo "$out" | awk '/requests in/{print $1}'); echo "requests $req"
join -t$'\t' /tmp/thr-$$.0 /tmp/thr-$$.1 | awk -F'\t' -v r=$req '{d=($3-$2)*10000.0/r; if (d>0.05) printf "%-28s %6.2f us/req\n",$1,d; tot+=d} END{printf "TOTAL %.2f\n",tot}'; rm -f /tmp/thr-$$.*
