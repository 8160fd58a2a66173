#!/usr/bin/env bash
# Scan benchmark, run by hand (not in CI): scamflow side by side with `rg -c -f` and
# `pcre2grep -u -c -f` on the same patterns and the same text, the same scan at 1, 2 and all
# threads, and pack load time. Prints a Markdown summary (also written to $WORK/results.md).
#
#   Benchmarks/scan/run.sh [SIZE_MB] [RG_MB] [PCRE2GREP_MB]
#
# SIZE_MB (200): the generated corpus (Corpus/ messages and call lines plus filler drawn from
#   their words; see generate.py), written normalized, so tools that match raw text see what
#   scamflow's patterns see. Not committed; kept in $WORK between runs.
# RG_MB (2), PCRE2GREP_MB (20): rg and pcre2grep are timed on the first MB of each text only
#   (rg needs about half a minute per MB with these patterns, pcre2grep about a second), and
#   scamflow is timed on the same slice for the ratio.
# Needs: hyperfine, rg (ripgrep), pcre2grep (pcre2-utils), python3; ../shared/eval is used when
# present (SCAMFLOW_EVAL_DIR overrides). SCAMFLOW=path uses that binary instead of building.
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mb=${1:-200}
rg_mb=${2:-2}
grep_mb=${3:-20}
eval_dir=${SCAMFLOW_EVAL_DIR:-../shared/eval}
work=${WORK:-${TMPDIR:-/tmp}/scamflow-scan-bench}
mkdir -p "$work"
for tool in hyperfine rg pcre2grep python3; do
    command -v $tool > /dev/null || { echo "missing $tool (apt-get install -y hyperfine ripgrep pcre2-utils python3)" >&2; exit 2; }
done
if [ -n "${SCAMFLOW:-}" ]; then
    bin=$(realpath "$SCAMFLOW")   # an already built binary
else
    swift build -c release --product scamflow >&2
    bin=$PWD/.build/release/scamflow
fi
cores=$(nproc)

# The built-in patterns, as each tool needs them (see `scamflow pack export --help`).
$bin pack export --patterns --for pcre2grep > "$work/pcre2grep.txt" 2> "$work/pcre2grep.export"
$bin pack export --patterns --for rg > "$work/rg.txt" 2> "$work/rg.export"

# Texts, one message a line, normalized.
corpus=$work/corpus-$size_mb.txt
if [ ! -s "$corpus" ]; then
    python3 Benchmarks/scan/generate.py $((size_mb * 1000000)) 1 | $bin normalize > "$corpus.tmp"
    mv "$corpus.tmp" "$corpus"
fi
texts=("$corpus")
if ls "$eval_dir"/*.jsonl > /dev/null 2>&1; then
    python3 - "$eval_dir" > "$work/eval-raw.txt" <<'EOF'
import glob, json, os, sys
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.jsonl"))):
    for line in open(path, encoding="utf-8"):
        text = json.loads(line).get("text")
        if isinstance(text, str):
            for part in text.split("\n"):
                if part.strip():
                    print(part)
EOF
    $bin normalize < "$work/eval-raw.txt" > "$work/eval.txt"
    texts+=("$work/eval.txt")
fi

mb() { python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1])/1e6:.1f}')" "$1"; }
slice() { head -c $(($2 * 1000000)) "$1" | head -n -1 > "$3"; }   # whole lines only

results=$work/results.md
{
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB;" \
         "load average at start $(cut -d' ' -f1-3 /proc/loadavg). scamflow $(git rev-parse --short HEAD), $(rg --version | head -1), $(pcre2grep --version)."
    echo
    echo "Patterns: $(wc -l < "$work/pcre2grep.txt") for pcre2grep (all), $(wc -l < "$work/rg.txt") for rg ($(grep -c 'left out' "$work/rg.export" || true) left out: lookaround)."
    echo
} > "$results"

hf() { hyperfine --style basic --export-json "$1" "${@:2}" >&2; }
mean() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join(f\"{x['mean']:.3f}\" for x in r))" "$1"; }

# 1. Side by side: counts checked equal, then timed on the same slice.
echo "## Same patterns, same text" >> "$results"
echo >> "$results"
echo "| text | tool | MB | lines matched | time (s) | MB/s | vs the other tool |" >> "$results"
echo "|---|---|---|---|---|---|---|" >> "$results"
for text in "${texts[@]}"; do
    name=$(basename "$text" .txt)
    for tool in pcre2grep rg; do
        if [ $tool = rg ]; then part=$work/$name-rg.txt; slice "$text" $rg_mb "$part"; args="--for rg"; other="rg -c -f $work/rg.txt $part"
        else part=$work/$name-grep.txt; slice "$text" $grep_mb "$part"; args=""; other="pcre2grep -u -c -f $work/pcre2grep.txt $part"; fi
        size=$(mb "$part")
        ours=$($bin bench grep $args "$part")
        theirs=$($other || true)
        [ "$ours" = "$theirs" ] && check="equal" || check="DIFFERENT: scamflow $ours, $tool $theirs"
        hf "$work/$name-$tool.json" --runs 1 --warmup 1 -i \
            "$bin bench grep $args $part" "$bin bench grep --threads 1 $args $part" "$other"
        read -r t_all t_one t_other <<< "$(mean "$work/$name-$tool.json")"
        ratio() { python3 -c "print(f'{$t_other/$1:.0f}x faster')"; }
        mbs() { python3 -c "print(f'{$size/$1:.1f}')"; }
        echo "| $name | scamflow bench grep $args (all $cores threads) | $size | $ours ($check) | $t_all | $(mbs $t_all) | $(ratio $t_all) |" >> "$results"
        echo "| $name | scamflow bench grep $args --threads 1 | $size | $ours | $t_one | $(mbs $t_one) | $(ratio $t_one) |" >> "$results"
        echo "| $name | $tool | $size | $theirs | $t_other | $(mbs $t_other) | |" >> "$results"
    done
done
echo >> "$results"

# 2. The same at 1, 2 and all threads, whole texts: grep-like counts and the real scan.
echo "## Threads" >> "$results"
echo >> "$results"
counts=$(printf '%s\n' 1 2 "$cores" | sort -un | tr '\n' ' ')
header="| text | command | MB |"; rule="|---|---|---|"
for t in $counts; do header="$header $t thread(s) (s) |"; rule="$rule---|"; done
echo "$header MB/s at $cores | speed-up at $cores |" >> "$results"
echo "$rule---|---|" >> "$results"
inputs=("${texts[@]}")
if ls "$eval_dir"/*.jsonl > /dev/null 2>&1; then inputs+=("$eval_dir"); fi
for text in "${inputs[@]}"; do
    name=$(basename "$text" .txt)
    if [ -d "$text" ]; then
        size=$(python3 -c "import glob,os,sys; print(f'{sum(os.path.getsize(p) for p in glob.glob(sys.argv[1]+\"/*.jsonl\"))/1e6:.1f}')" "$text")
        cmds=("scan -q --format ndjson $text/*.jsonl")
        labels=("scan (the JSON lines as they are)")
    else
        size=$(mb "$text")
        cmds=("bench grep $text" "scan -q --format ndjson --input-format text $text")
        labels=("bench grep" "scan (one message a line)")
    fi
    runs=5; [ "${size%.*}" -gt 100 ] && runs=3
    for i in "${!cmds[@]}"; do
        variants=()
        for t in $counts; do variants+=("$bin ${cmds[$i]} --threads $t > /dev/null"); done
        hf "$work/threads-$name-$i.json" --runs $runs --warmup 1 -i "${variants[@]}"
        times=($(mean "$work/threads-$name-$i.json"))
        row="| $name | ${labels[$i]} | $size |"
        for x in "${times[@]}"; do row="$row $x |"; done
        last=${times[${#times[@]}-1]}
        echo "$row $(python3 -c "print(f'{$size/$last:.1f}')") | $(python3 -c "print(f'{${times[0]}/$last:.2f}x')") |" >> "$results"
    done
done
echo >> "$results"

# 3. Stream throughput and latency: see Benchmarks/stream/run.sh.

# 4. Pack load and compile.
echo "## Pack load and compile" >> "$results"
echo >> "$results"
echo '```' >> "$results"
$bin bench load -n 21 >> "$results"
echo '```' >> "$results"
hf "$work/load.json" --runs 20 --warmup 2 "$bin scan -q --format ndjson /dev/null"
echo "Whole process, \`scamflow scan\` of an empty input (start, load, compile, exit): $(mean "$work/load.json") s (mean of 20)." >> "$results"

cat "$results"
