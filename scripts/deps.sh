#!/usr/bin/env bash
# Installs the Debian 12 packages packyard builds and tests with (only what is missing).
set -euo pipefail
packages=(
  g++ cmake ninja-build pkg-config git
  libboost1.81-dev libboost-url1.81-dev libboost-test1.81-dev libboost-program-options1.81-dev
  rapidjson-dev liblmdb-dev libssl-dev libarchive-dev
  clang-format python3 python3-gitlab curl
)
# --tests: also the package managers the tests drive: npm (node and npm may come from
# elsewhere on the machine, so only a missing npm command installs Debian's), and twine, pip
# and an offline sdist/wheel build for PyPI, and promtool (Debian's prometheus package) to lint a
# scrape of /-/metrics, and chromium, the headless browser tests/browser drives through
# playwright-core (which never downloads a browser of its own), and Maven with the deploy and
# dependency plugins from Debian's /usr/share/maven-repo (junit4 because Debian's
# plexus-container-default pom needs junit 4.x at plugin resolution; see docs/maven-notes.md), and
# a single-node Ceph (monitor, OSD, RADOS Gateway) that tests/s3/rgw.sh starts as the S3 the blob
# backend is tested against (docs/s3-notes.md).
tests=false
if [[ "${1:-}" == "--tests" ]]; then
  tests=true
  command -v npm >/dev/null || packages+=(nodejs npm)
  packages+=(twine python3-pip python3-build python3-setuptools python3-wheel prometheus chromium)
  packages+=(maven openjdk-17-jre-headless libmaven-deploy-plugin-java libmaven-dependency-plugin-java
             junit4)
  packages+=(ceph-mon ceph-osd radosgw)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The browser tests' node modules, from the lock file; again only when the lock file is newer than
# what npm ci last installed (npm records that in node_modules/.package-lock.json).
if $tests; then
  browser="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
  if [ ! -f "$browser/node_modules/.package-lock.json" ] ||
     [ "$browser/package-lock.json" -nt "$browser/node_modules/.package-lock.json" ]; then
    echo "installing: tests/browser node modules"
    npm ci --prefix "$browser" --no-audit --no-fund --update-notifier=false --loglevel=error >/dev/null
  fi
fi
