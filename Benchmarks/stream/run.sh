#!/usr/bin/env bash
# Stream benchmark: one million events over 100,000 subjects through `scamflow stream` on one
# core; reports events/s, per-event latency percentiles and memory per tracked subject.
# Run by hand (not in CI): Benchmarks/stream/run.sh [EVENTS] [SUBJECTS] [context]
# STREAM_ARGS adds options to the measured run, e.g. STREAM_ARGS="--state /tmp/s.json" (the
# state file and its journal are removed first, so every run starts afresh).
set -euo pipefail
cd "$(dirname "$0")/../.."
events=${1:-1000000}
subjects=${2:-100000}
mode=${3:-}   # "context": phones also report where they are (device.location) and profiles
data=${TMPDIR:-/tmp}/scamflow-stream-$events-$subjects${mode:+-$mode}.jsonl
swift build -c release --product scamflow >&2
[ -f "$data" ] || python3 Benchmarks/stream/generate.py "$events" "$subjects" $mode > "$data"
echo "input: $data ($(wc -c < "$data") bytes, $events events, $subjects subjects)"
bin=.build/release/scamflow
# Baseline: the same process with (almost) no state, for the memory per subject.
head -n 1 "$data" | $bin stream -q --latency-report > /dev/null 2> /tmp/scamflow-base.txt
base=$(grep -o 'RSS [0-9]*' /tmp/scamflow-base.txt | grep -o '[0-9]*')
for word in ${STREAM_ARGS:-}; do case "$word" in *.json) rm -f "$word" "$word.journal" ;; esac; done
taskset -c 0 $bin stream -q --latency-report ${STREAM_ARGS:-} < "$data" > /tmp/scamflow-stream-alerts.ndjson 2> /tmp/scamflow-stream.txt
cat /tmp/scamflow-stream.txt
rss=$(grep -o 'RSS [0-9]*' /tmp/scamflow-stream.txt | grep -o '[0-9]*')
tracked=$(grep -o 'peak [0-9]*' /tmp/scamflow-stream.txt | grep -o '[0-9]*')
echo "alerts: $(wc -l < /tmp/scamflow-stream-alerts.ndjson)"
echo "memory per tracked subject: $(( (rss - base) * 1024 / (tracked > 0 ? tracked : 1) )) bytes (RSS $rss KiB - baseline $base KiB over the peak of $tracked subjects tracked at once)"
