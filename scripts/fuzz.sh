#!/usr/bin/env bash
# Builds the libFuzzer targets (the fuzz preset: clang 14, ASan+UBSan, tests/fuzz/) and runs
# each for a fixed time over its seed corpus (tests/fuzz/corpus/<target>/, with its dictionary
# tests/fuzz/<target>.dict when there is one). Any crash, sanitizer report, failed invariant,
# leak, timeout or memory blow-up fails the run; the input that did it is left in
# build/fuzz/artifacts/ (replay it with build/fuzz/tests/fuzz/<target>_fuzz <file>).
#
#   bash scripts/fuzz.sh [seconds per target, default 20] [target...]
#
# CI runs every target for 10 s, two at a time; a long run is for example
# `bash scripts/fuzz.sh 600 multipart`. FUZZ_JOBS=N runs N targets at a time (default 1). New
# inputs a run finds go to build/fuzz/corpus/<target>/, never into the repository's seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
all=(query json_body router multipart credentials npm_publish npm_names npm_tarball pypi_names
     wheel_metadata maven_paths request_header json_writer dates)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

for tool in clang++-14 cmake; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh needs $tool (apt-get install clang-14 libclang-rt-14-dev)"; exit 1; }
done
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
  { echo "fuzz.sh needs libFuzzer (apt-get install libclang-rt-14-dev)"; exit 1; }

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${FUZZ_BUILD_JOBS:-2}"

# The most bytes one input may have: enough for the largest seed of each target.
max_len() {
  case "$1" in
    npm_publish|multipart|npm_tarball|wheel_metadata) echo 65536 ;;
    request_header) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

mkdir -p build/fuzz/artifacts build/fuzz/logs
run() {
  local t=$1
  local work=build/fuzz/corpus/$t
  mkdir -p "$work"
  local args=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -max_len="$(max_len "$t")"
              -artifact_prefix="build/fuzz/artifacts/$t-" -print_final_stats=1)
  [[ -f tests/fuzz/$t.dict ]] && args+=(-dict="tests/fuzz/$t.dict")
  if "build/fuzz/tests/fuzz/${t}_fuzz" "${args[@]}" "$work" "tests/fuzz/corpus/$t" \
       > "build/fuzz/logs/$t.log" 2>&1; then
    # The last status line: executions, coverage (cov: edges, ft: features), speed.
    echo "$t: $(grep -E '^#[0-9]+' "build/fuzz/logs/$t.log" | tail -1)"
  else
    echo "$t: FAILED (build/fuzz/logs/$t.log)"
    grep -E 'ERROR|invariant failed|SUMMARY|Test unit written' "build/fuzz/logs/$t.log" | head -20
    return 1
  fi
}

jobs=${FUZZ_JOBS:-1}
failed=0
running=0
for t in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run "$t" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
if ((failed)); then
  echo "fuzzing found a problem: the input is in build/fuzz/artifacts/"
  exit 1
fi
echo "fuzzing: every target ran ${seconds} s without a finding"
