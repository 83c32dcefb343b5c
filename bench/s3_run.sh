#!/usr/bin/env bash
# The S3 blob backend's benchmark in one command: builds packyard and tests/s3's signer, then runs
# bench/s3_bench.py, which starts a Ceph RADOS Gateway (tests/s3/rgw.sh) and packyard on the local
# folder and on S3 (streamed and --blob-direct-download) side by side, and prints one table.
#   bash bench/s3_run.sh                   # 3 rounds, 64 MiB and 64 KiB files, a 1 GiB upload
#   bash bench/s3_run.sh --smoke           # one small round
# Needs Debian's ceph-mon, ceph-osd and radosgw (bash scripts/deps.sh --tests) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
for b in ceph-mon ceph-osd radosgw; do
  command -v "$b" >/dev/null || { echo "missing $b: bash scripts/deps.sh --tests installs it" >&2; exit 1; }
done
cmake --preset release >/dev/null
cmake --build build/release --target packyard s3_sign
exec python3 bench/s3_bench.py --binary build/release/server/packyard \
  --s3-sign build/release/tests/s3/s3_sign "$@"
