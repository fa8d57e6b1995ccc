#!/usr/bin/env bash
# Kills the function app's worker process under load, the way a crash or the OOM killer would, and reports what
# clients saw and whether any data was lost: four clients read 100-row windows of DATASET for SECONDS; a quarter
# in, FILE (a CSV) is uploaded as a blob, and once the blob trigger is ingesting it the worker is killed (-9).
# The Functions host starts a new worker; the blob trigger runs the ingest again (no receipt was written).
#   BASE=http://127.0.0.1:7071 AzureWebJobsStorage='…' bench/failover.sh DATASET FILE [SECONDS]
# Needs a running app on a Functions host (func start, or compose: run it inside the container), curl, and the
# CLI built: dotnet build -c Release src/ImageFrames.Cli. Prints one line per finding and exits 1 if data was lost.
set -euo pipefail
base=${BASE:?set BASE to the app, e.g. http://127.0.0.1:7071}
dataset=$1; file=$2; seconds=${3:-30}
cli="$(dirname "$0")/../src/ImageFrames.Cli/bin/Release/net10.0/frames.dll"
blob="failover-$(date +%s).csv"; uploaded=${blob%.csv}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
worker() { pgrep -f "FramesFunctions.dll --host" | head -1; }

# What identifies each dataset's content: id, version and the input's SHA-256.
datasets() { curl -fsS "$base/api/datasets" | grep -o '"id":"[^"]*","version":[0-9]*,[^}]*"sha256":"[0-9a-f]*"' | grep -v "\"id\":\"$uploaded\"" || true; }
before_list=$(datasets)
before_window=$(curl -fsS "$base/api/frames?dataset=$dataset&limit=100" | sha256sum)
old=$(worker)

end=$(( $(date +%s) + seconds ))
for client in 1 2 3 4; do
  ( while [ "$(date +%s)" -lt "$end" ]; do
      started=$(date +%s%3N)
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$base/api/frames?dataset=$dataset&limit=100&offset=$((RANDOM % 2000))") || true
      echo "$started $(date +%s%3N) $code"
    done > "$out/client$client" ) &
done

sleep $(( seconds / 4 ))
written=$(awk '/^write_bytes/ {print $2}' "/proc/$old/io")
dotnet "$cli" upload "$file" --name "$blob" >/dev/null
# Kill while the ingest runs: its rows are being written (the worker's I/O climbs) but not yet published.
until [ "$(curl -s "$base/api/datasets/$uploaded" -o /dev/null -w '%{http_code}')" = 200 ] ||
      [ "$(awk '/^write_bytes/ {print $2}' "/proc/$old/io")" -gt $(( written + 16 * 1024 * 1024 )) ]; do sleep 0.05; done
killed=$(date +%s%3N)
published_before_kill=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/datasets/$uploaded")
kill -9 "$old"
wait

new=$(worker)
cat "$out"/client* | sort -n > "$out/all"
# Each line: start, end (ms), status. Failed: anything but 200; slowest: the longest request started after the kill.
awk -v killed="$killed" '
  { total++; if ($3 != "200") { failed++; codes[$3]++; if (!first) first = $2; last = $2 }
    if ($1 >= killed && $2 - $1 > slowest) slowest = $2 - $1 }
  END {
    printf "requests: %d, answered 200: %d, other: %d", total, total - failed, failed
    for (c in codes) printf " (%s: %d)", c, codes[c]
    printf "\n"
    if (failed) printf "failed requests ended %+d ms to %+d ms from the kill\n", first - killed, last - killed
    printf "slowest request started after the kill: %d ms (waiting for the new worker)\n", slowest
  }' "$out/all"
case $published_before_kill in 200) state="already published" ;; *) state="in flight" ;; esac
echo "worker: pid $old killed, pid ${new:-none} serving now; the upload was $state at the kill"

# No data lost: the datasets from before answer the same, and the interrupted upload arrives whole.
lost=0
until curl -s "$base/api/datasets/$uploaded" | grep -q "$(sha256sum "$file" | cut -d' ' -f1)"; do
  sleep 0.5
  [ $(( $(date +%s%3N) - killed )) -gt 300000 ] && { echo "LOST: $blob was not ingested within 5 minutes"; lost=1; break; }
done
[ "$lost" = 0 ] && echo "the upload interrupted by the kill was served whole $(( ($(date +%s%3N) - killed) / 1000 )) s after the kill"
after_list=$(datasets)
[ "$(curl -fsS "$base/api/frames?dataset=$dataset&limit=100" | sha256sum)" = "$before_window" ] || { echo "LOST: $dataset answers differently"; lost=1; }
[ "$after_list" = "$before_list" ] || { echo "LOST: the dataset list changed"; lost=1; }
[ "$lost" = 0 ] && echo "no data lost: every dataset from before lists and answers as before"
exit "$lost"
