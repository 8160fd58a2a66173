#!/usr/bin/env bash
# Builds and runs one libFuzzer target.
#   ./run.sh [FuzzRecordReader|FuzzPackLoader|FuzzReaders|FuzzPackBundle|FuzzLiteralTable|FuzzModelFile] [seconds] [extra libFuzzer flags...]
# The working corpus is Corpus/<target>/ (ignored by git), seeded from Seeds/<name>/; crash
# reproducers land in Artifacts/<target>/. Re-run one with:
#   SWIFT_BACKTRACE=enable=no .build-fuzz/debug/<target> Artifacts/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")"
target=${1:-FuzzRecordReader}
seconds=${2:-600}
shift $(( $# > 2 ? 2 : $# ))
case "$target" in
    FuzzRecordReader) seeds=Seeds/RecordReader ;;
    FuzzPackLoader) seeds=Seeds/PackLoader ;;
    FuzzReaders) seeds=Seeds/Readers ;;
    FuzzPackBundle) seeds=Seeds/PackBundle; max_len=16384 ;;  # a tar of a one-rule pack is 4-5 KB
    FuzzLiteralTable) seeds=Seeds/LiteralTable ;;
    FuzzModelFile) seeds=Seeds/ModelFile; max_len=8192 ;;
    *) echo "unknown target $target (FuzzRecordReader, FuzzPackLoader, FuzzReaders, FuzzPackBundle, FuzzLiteralTable or FuzzModelFile)" >&2; exit 2 ;;
esac
# Both flags are needed: --sanitize fuzzer alone does not link libFuzzer's main, and
# -Xswiftc alone fails to link (see /work/shared/FACTS.md, "Fuzzing"). -O on top of the debug
# configuration: 50x more executions per second (the readers append 64 KiB chunks element by
# element at -Onone), while preconditions, bounds checks and -enable-testing stay on.
swift build --product "$target" --build-path .build-fuzz --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -O 2>&1 \
    | grep -v 'Cannot export local symbol' >&2
mkdir -p "Corpus/$target" "Artifacts/$target"
# A crash with Swift's backtracer on can hang the run; libFuzzer prints its own report.
# -detect_leaks=0 and ASAN_OPTIONS=detect_leaks=0: the normalizer's tables are built once and
# kept behind unsafe pointers for the life of the process; LeakSanitizer reports them (per input
# and at exit, as an empty-input "crash").
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" exec ".build-fuzz/debug/$target" \
    -max_total_time="$seconds" -max_len=${max_len:-4096} -timeout=10 -rss_limit_mb=4096 -detect_leaks=0 \
    -artifact_prefix="Artifacts/$target/" -print_final_stats=1 "$@" \
    "Corpus/$target" "$seeds"
