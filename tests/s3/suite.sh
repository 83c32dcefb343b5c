#!/usr/bin/env bash
# tests/s3/suite.sh PACKYARD_BINARY HTTP_TESTS_BINARY — the package tests again, against the S3
# blob backend on a real Ceph RADOS Gateway (ctest s3_backend; docs/s3-notes.md).
#
# Starts the gateway once (tests/s3/rgw.sh: bucket packyard), then runs with
#   PACKYARD_TEST_SERVER_ARGS="--blob-store s3 --s3-endpoint ... --s3-bucket ... --s3-prefix t-{unique}/"
# (appended to every `packyard serve` by tests/support and tests/compat/harness.py, {unique} per
# data folder so no two servers see each other's objects; credentials from s3.env's AWS_*):
# the http_tests suites of generic packages, npm and Maven, the npm, PyPI, Maven and crash
# compat tests, tests/s3/backend_test.py (direct downloads, metrics, check and repair, backup,
# the prefix claim, migrate-blobs) and tests/s3/fault_test.py (the gateway down, frozen or
# refusing). Prints each
# step's time; exits 1 if any step failed, 77 (skipped) without Ceph (scripts/deps.sh --tests).
# Environment: S3_SUITE_STEPS (space-separated step names: run only those), S3_RGW_* (rgw.sh).
set -uo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 PACKYARD_BINARY HTTP_TESTS_BINARY" >&2; exit 2; }
packyard=$(realpath "$1")
http_tests=$(realpath "$2")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
COMPAT=$(cd "$HERE/../compat" && pwd)
PY=/usr/bin/python3

for b in ceph-mon ceph-osd radosgw curl; do
    command -v "$b" >/dev/null || {
        echo "skipped: $b missing (scripts/deps.sh --tests installs Ceph)"
        exit 77
    }
done

T0=$(date +%s.%N)
secs() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/packyard-s3-suite-XXXXXX")
rgw_dir=$dir/rgw
cleanup() {
    # fault_test.py thaws the gateway it froze; should it die first, a frozen radosgw would
    # take rgw.sh's SIGKILL after 10 s: SIGCONT it (only while it is this fixture's).
    local f=$rgw_dir/run/client.rgw.a.spawned pid
    if [[ -s $f ]]; then
        pid=$(tr -dc '0-9' <"$f")
        if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$rgw_dir/ceph.conf"; then
            kill -CONT "$pid" 2>/dev/null || true
        fi
    fi
    local t
    t=$(date +%s.%N)
    [[ -d $rgw_dir ]] && "$HERE/rgw.sh" stop "$rgw_dir" >/dev/null
    echo "== gateway stopped in $(secs "$t") s"
    rm -rf -- "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The tests store a few hundred MiB and memstore keeps deleted objects until the gateway's
# garbage collection: room for 3 GiB (a limit, not an allocation).
export S3_RGW_MEMSTORE_BYTES=${S3_RGW_MEMSTORE_BYTES:-3221225472}
t=$(date +%s.%N)
env_file=$("$HERE/rgw.sh" start "$rgw_dir" | tail -n 1) || {
    echo "FAILED: rgw.sh start"
    exit 1
}
# shellcheck disable=SC1090
. "$env_file"
echo "== gateway ready at $S3_ENDPOINT, bucket $S3_BUCKET, in $(secs "$t") s"
export PACKYARD_TEST_SERVER_ARGS="--blob-store s3 --s3-endpoint $S3_ENDPOINT --s3-bucket $S3_BUCKET --s3-prefix t-{unique}/"
echo "== PACKYARD_TEST_SERVER_ARGS=$PACKYARD_TEST_SERVER_ARGS"

names=() results=() times=()
step() { # name command...
    local name=$1 t rc
    shift
    if [[ -n ${S3_SUITE_STEPS:-} && " $S3_SUITE_STEPS " != *" $name "* ]]; then
        return 0
    fi
    echo "== $name: $*"
    t=$(date +%s.%N)
    "$@"
    rc=$?
    names+=("$name")
    times+=("$(secs "$t")")
    if ((rc == 0)); then results+=(ok); else results+=("FAILED (exit $rc)"); fi
    echo "== $name: ${results[-1]} in ${times[-1]} s"
}

step http_generic "$http_tests" --log_level=test_suite --run_test=generic_packages
step http_npm "$http_tests" --log_level=test_suite --run_test=npm --run_test=npm_limits
step http_maven "$http_tests" --log_level=test_suite --run_test=maven \
    --run_test=maven_a_file_over_the_upload_limit_is_refused
step compat_npm "$PY" "$COMPAT/npm_test.py" "$packyard"
step compat_pypi "$PY" "$COMPAT/pypi_test.py" "$packyard"
step compat_maven "$PY" "$COMPAT/maven_test.py" "$packyard"
step compat_crash "$PY" "$COMPAT/crash_test.py" "$packyard"
step backend "$PY" "$HERE/backend_test.py" "$packyard"
step fault "$PY" "$HERE/fault_test.py" "$packyard"

echo "== S3 suite, $(secs "$T0") s in all:"
failed=0
for i in "${!names[@]}"; do
    printf '   %-14s %8s s  %s\n' "${names[$i]}" "${times[$i]}" "${results[$i]}"
    [[ ${results[$i]} == ok ]] || failed=$((failed + 1))
done
echo "steps: $((${#names[@]} - failed)) passed, $failed failed"
((${#names[@]} > 0 && failed == 0))
