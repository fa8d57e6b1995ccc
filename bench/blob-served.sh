#!/usr/bin/env bash
# Times a blob from the end of its upload until the app serves it: uploads FILE into the input container as
# BLOB with `frames upload`, then polls $BASE/api/datasets/<id> every 50 ms until the dataset holds FILE's
# SHA-256, sampling the worker's resident memory meanwhile.
#   BASE=http://127.0.0.1:7071 AzureWebJobsStorage='…' bench/blob-served.sh FILE BLOB [WORKER_PID]
# Needs a running app (a Functions host, or compose) whose storage is AzureWebJobsStorage, and the CLI built:
# dotnet build -c Release src/ImageFrames.Cli. WORKER_PID defaults to the process running FramesFunctions.dll.
set -euo pipefail
file=$1; blob=$2; id=${blob%.*}
worker=${3:-$(pgrep -f "FramesFunctions.dll --host" | head -1)}
cli="$(dirname "$0")/../src/ImageFrames.Cli/bin/Release/net10.0/frames.dll"
sha=$(sha256sum "$file" | cut -d' ' -f1)
peak=0
dotnet "$cli" upload "$file" --name "$blob" >/dev/null
start=$(date +%s.%N)
until curl -s "$BASE/api/datasets/$id" | grep -q "$sha"; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$worker/status")
  [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 0.05
done
end=$(date +%s.%N)
echo "served $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s after the upload ended; worker peak resident memory $((peak / 1024)) MB (50 ms samples)"
