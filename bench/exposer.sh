#!/usr/bin/env bash
# Loads promqt's MetricsServer and prometheus-cpp's civetweb Exposer with wrk, in one run, on
# the same registry (1,000 and 100,000 counters with a label), plain and with gzip, and prints
# requests/s, latency and the promqt/civetweb ratio. Loopback only; bounded in time.
#   bench/exposer.sh [build-dir] [seconds-per-run]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
secs=${2:-5}
bin=$build/bench/promqt-bench-exposer
command -v wrk >/dev/null || { echo "wrk missing: scripts/deps installs it" >&2; exit 1; }
[ -x "$bin" ] || { echo "$bin missing: build with -DPROMQT_BUILD_BENCH=ON" >&2; exit 1; }

port=$(( 20000 + RANDOM % 20000 ))
run() { # impl series encoding -> "rps latency_ms" and, for promqt, the loop stall
    local impl=$1 series=$2 enc=$3 out stall
    "$bin" --impl "$impl" --series "$series" --port "$port" --seconds $((secs + 8)) >/tmp/promqt-bench.$$ 2>&1 &
    local pid=$!
    for _ in $(seq 100); do grep -q READY /tmp/promqt-bench.$$ 2>/dev/null && break; sleep 0.1; done
    local hdr=()
    [ "$enc" = gzip ] && hdr=(-H "Accept-Encoding: gzip")
    # Warm-up, then the measured run: 1 wrk thread, 8 keep-alive connections.
    wrk -t1 -c8 -d1s "${hdr[@]}" "http://127.0.0.1:$port/metrics" >/dev/null 2>&1 || true
    out=$(wrk -t1 -c8 -d"${secs}s" --latency "${hdr[@]}" "http://127.0.0.1:$port/metrics" 2>&1)
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    stall=$(grep -o 'max_loop_stall_ms=[0-9.]*' /tmp/promqt-bench.$$ | cut -d= -f2 || true)
    local cpu
    cpu=$(grep -o 'max_event_cpu_ms=[0-9.]*' /tmp/promqt-bench.$$ | cut -d= -f2 || true)
    [ -n "$stall" ] && stall="$stall/${cpu}"
    rm -f /tmp/promqt-bench.$$
    port=$((port + 1))
    local rps lat99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    lat99=$(awk '$1=="99%" {print $2}' <<<"$out")
    local avg
    avg=$(awk '/Latency/ && !done {print $2; done=1}' <<<"$out")
    echo "${rps:-0} ${avg:-?} ${lat99:-?} ${stall:-}"
}

printf '%-8s %-9s %-8s %12s %10s %10s %12s %20s\n' series encoding impl "req/s" "avg lat" "p99 lat" "ratio" "loop ms (wall/cpu)"
for series in 1000 100000; do
    for enc in plain gzip; do
        read -r crps cavg cp99 _ <<<"$(run civetweb $series $enc)"
        read -r prps pavg pp99 pstall <<<"$(run promqt $series $enc)"
        ratio=$(awk -v a="$prps" -v b="$crps" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')
        printf '%-8s %-9s %-8s %12s %10s %10s %12s %20s\n' $series $enc civetweb "$crps" "$cavg" "$cp99" "" ""
        printf '%-8s %-9s %-8s %12s %10s %10s %12s %20s\n' $series $enc promqt "$prps" "$pavg" "$pp99" "$ratio" "$pstall"
    done
done
