#!/usr/bin/env bash
# clang-tidy 14 over packyard's own sources (.clang-tidy lists the checks); CI runs it after
# the release build, whose compile_commands.json it reads. Any finding fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
files=$(git ls-files 'server/*.cpp' 'routing/*.cpp' 'store/*.cpp')
# The build's GCC-only warning flags mean nothing to clang.
run-clang-tidy-14 -quiet -p "$build" -j "$(nproc)" -extra-arg=-Wno-unknown-warning-option $files \
  > "$build/tidy.log" 2>&1 || {
  grep -E "warning:|error:" "$build/tidy.log" | grep -v "warnings generated" | sort -u
  echo "clang-tidy found problems (full log: $build/tidy.log)"
  exit 1
}
echo "clang-tidy: clean"
