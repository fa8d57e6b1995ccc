#!/usr/bin/env bash
# The dip picker through HTTP, uncached: GET /api/frames/dips on ROWS-row windows of DATASET, each window new (so
# no answer comes from the cache), first one at a time (latency percentiles), then CONCURRENT at once in rounds,
# sampling the worker's resident memory meanwhile.
#   BASE=http://127.0.0.1:7071 bench/dips-http.sh DATASET [QUERY] [ROWS] [CONCURRENT] [WORKER_PID]
# QUERY adds parameters (default diameter=8.5&depth_unit=ft); ROWS (default 300) assumes 0.1-ft rows, as
# `frames sample` writes them. Needs a running app (a Functions host, or compose) holding DATASET.
set -euo pipefail
dataset=$1; query=${2:-diameter=8.5&depth_unit=ft}; rows=${3:-300}; concurrent=${4:-16}
worker=${5:-$(pgrep -f "FramesFunctions.dll" | head -1)}
read -r first last < <(curl -s "$BASE/api/datasets/$dataset" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["depth_min"], d["depth_max"])')
span=$(awk -v r="$rows" 'BEGIN { print r / 10 - 0.05 }')
# Window i starts 0.7·i past the first depth plus this run's salt (0 to 0.69, so another run's windows are new too).
window() { awk -v f="$first" -v l="$last" -v s="$span" -v i="$1" -v salt="$salt" 'BEGIN { n = int((l - f - s) / 0.7); o = f + (i % n) * 0.7 + salt / 100; printf "%.2f %.2f\n", o, o + s }'; }
get() {
  read -r lo hi < <(window "$1")
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$BASE/api/frames/dips?dataset=$dataset&$query&depth_min=$lo&depth_max=$hi"
}
salt=$((RANDOM % 70))
export -f get window; export BASE dataset query first last span salt
echo "one at a time, 60 windows of $rows rows:"
for i in $(seq 0 59); do get "$i"; done | sort -k2 -n | awk '{ if ($1 != 200) bad++; t[NR] = $2 } END {
  printf "  p50 %.0f ms, p90 %.0f ms, max %.0f ms; %d not 200\n", t[int(NR * 0.5)] * 1000, t[int(NR * 0.9)] * 1000, t[NR] * 1000, bad }'
peak=0
( while sleep 0.05; do awk '/VmRSS/ {print $2}' "/proc/$worker/status"; done ) > /tmp/dips-http-rss.$$ &
sampler=$!
start=$(date +%s.%N)
seq 100 $((100 + concurrent * 4 - 1)) | xargs -P "$concurrent" -I{} bash -c 'get {}' > /tmp/dips-http-conc.$$
end=$(date +%s.%N)
kill $sampler
peak=$(sort -n /tmp/dips-http-rss.$$ | tail -1)
sort -k2 -n /tmp/dips-http-conc.$$ | awk -v c="$concurrent" -v a="$start" -v b="$end" '{ if ($1 != 200) bad++; t[NR] = $2 } END {
  printf "%d at once (%d requests): p50 %.0f ms, max %.0f ms, %.1f s in all; %d not 200\n", c, NR, t[int(NR * 0.5)] * 1000, t[NR] * 1000, b - a, bad }'
echo "worker peak resident memory: $((peak / 1024)) MB (50 ms samples)"
rm -f /tmp/dips-http-rss.$$ /tmp/dips-http-conc.$$
