#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test (unit and HTTP).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --tests
cmake --preset release >/dev/null
cmake --build build/release
ctest --preset release "$@"
