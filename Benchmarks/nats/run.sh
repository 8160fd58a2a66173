#!/usr/bin/env bash
# NATS JetStream benchmark (issue 18): end-to-end events/s of `scamflow stream --nats` with 1
# and 2 consumers (partitions 0/2 and 1/2 at once) against `scamflow stream` on stdin, same
# events, same run. Run by hand (not in CI): Benchmarks/nats/run.sh [EVENTS] [SUBJECTS]
# Needs nats-server and hyperfine; uses the release binary (scripts/release-build --product
# scamflow). Each consumer run has a durable of its own, so it starts from sequence 1 with no
# state; its alerts are published again each run (the alerts stream deduplicates them, which
# is work the server does every run alike).
set -euo pipefail
cd "$(dirname "$0")/../.."
events=${1:-200000}
subjects=${2:-20000}
data=${TMPDIR:-/tmp}/scamflow-stream-$events-$subjects.jsonl
[ -f "$data" ] || python3 Benchmarks/stream/generate.py "$events" "$subjects" > "$data"
bin=$PWD/.build/release/scamflow
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nats-server -js -a 127.0.0.1 -p "$port" -sd "$dir/store" > "$dir/server.log" 2>&1 &
server=$!
trap 'kill $server; wait $server 2>/dev/null || true; rm -rf "$dir"' EXIT
sleep 1
url=nats://127.0.0.1:$port
$bin nats init --nats "$url"
start=$(date +%s.%N)
$bin nats publish --nats "$url" --partitions 2 "$data"
echo "publish: $(python3 -c "print(round($events / ($(date +%s.%N) - $start)))") events/s"
nats_args="-q --nats $url --stream EVENTS --exit-when-caught-up"
# One run with its summary first: the consumer reads every event and raises the stdin alerts.
$bin stream -q < "$data" | wc -l | sed 's/^/stdin alerts: /'
$bin stream --nats "$url" --stream EVENTS --durable check --exit-when-caught-up 2>&1 >/dev/null | tail -n 1
hyperfine --warmup 1 --runs 3 --export-markdown "$dir/results.md" \
  -n stdin "$bin stream -q < $data > /dev/null" \
  -n "nats, 1 consumer" "$bin stream $nats_args --durable b\$(date +%s%N)" \
  -n "nats, 2 consumers" "d=b\$(date +%s%N); $bin stream $nats_args --durable \$d --partition 0/2 & $bin stream $nats_args --durable \$d --partition 1/2 & wait"
cat "$dir/results.md"
echo "events: $events; events/s = $events / mean seconds"
