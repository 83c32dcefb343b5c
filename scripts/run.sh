#!/usr/bin/env bash
# Installs what is missing, builds the release binary, and serves on 127.0.0.1:8080 with the
# data folder ./packyard-data (the root token is printed to packyard-data/initial_root_token).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake --preset release >/dev/null
cmake --build build/release --target packyard
exec ./build/release/server/packyard serve "$@"
