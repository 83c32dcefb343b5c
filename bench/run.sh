#!/usr/bin/env bash
# One command for the benchmark suite: installs what is missing (wrk, nginx), builds the release
# binaries, seeds (or reuses) a store, and runs every scenario against packyard and against
# nginx serving the same bytes, alternating, then prints the table.
#   bash bench/run.sh                      # 1M packages in 10k projects (the targets' shape)
#   BENCH_PACKAGES=20000 BENCH_PROJECTS=200 bash bench/run.sh --duration 3   # a quick run
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
missing=()
for p in wrk nginx-light; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
cmake --preset release >/dev/null
cmake --build build/release --target packyard packyard-seed
exec python3 bench/bench.py --binary build/release/server/packyard \
  --seeder build/release/bench/packyard-seed "$@"
