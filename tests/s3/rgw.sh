#!/usr/bin/env bash
# tests/s3/rgw.sh — a throw-away single-node Ceph RADOS Gateway (S3) on 127.0.0.1 for the S3 blob
# backend's tests: one monitor, one OSD, one radosgw, no systemd, every file (config, keyrings,
# data, logs, sockets, pid files) under one directory. Nothing touches /etc/ceph, /var/lib/ceph or
# /var/log/ceph. Debian 12 packages: ceph-mon ceph-osd radosgw (scripts/deps.sh --tests).
#
#   tests/s3/rgw.sh start DIR    DIR must be absent or empty. Creates the bucket packyard (signed
#                                by tests/s3/s3_client.py). Prints DIR/s3.env's path last; the
#                                file is sourceable: S3_ENDPOINT, AWS_ACCESS_KEY_ID,
#                                AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, S3_BUCKET, S3_RGW_DIR.
#   tests/s3/rgw.sh stop DIR     Stops the daemons started in DIR (gateway, OSD, monitor, in that
#                                order, each waited for) and removes DIR.
#
# The daemons outlive the caller: always pair a start with a stop (trap ... EXIT).
# Environment: S3_RGW_TIMEOUT (300 s for the whole start: seconds on an idle machine, minutes when
# the daemons are starved of CPU), S3_RGW_MEMSTORE_BYTES (1 GiB: the OSD keeps objects in RAM; the
# tests store megabytes), S3_RGW_KEEP=1 (stop keeps DIR and its logs).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1
mkdir -p "$2"
D=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUCKET=packyard
C=$D/ceph.conf
T0=$(date +%s.%N)
since() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
log() { printf '[rgw.sh %6ss] %s\n' "$(since)" "$*" >&2; }

# --- stop ------------------------------------------------------------------------------------
# Signals only the PIDs this script recorded in DIR/run/*.spawned, and only while that process's
# command line still names DIR/ceph.conf: a recycled PID is never signalled.
ours() { [[ $1 =~ ^[0-9]+$ && -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$C"; }
alive() { local st; st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; st=${st##*) }; [[ ${st:0:1} != Z ]]; }
stop_one() { # name grace_seconds
    local f=$D/run/$1.spawned pid end
    [[ -s $f ]] || return 0
    pid=$(tr -dc '0-9' <"$f")
    ours "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    end=$(($(date +%s) + $2))
    while alive "$pid" && (($(date +%s) < end)); do sleep 0.05; done
    if alive "$pid"; then
        log "SIGKILL $1 ($pid) after $2 s"
        kill -KILL "$pid" 2>/dev/null || true
        while alive "$pid"; do sleep 0.05; done
    fi
}
stop_all() {
    # Order matters: radosgw hangs in shutdown while its OSD is gone (until a 120 s alarm), and an
    # OSD without its monitor waits osd_mon_shutdown_timeout (5 s).
    local osd_up=0 pid
    if [[ -s $D/run/osd.0.spawned ]]; then
        pid=$(tr -dc '0-9' <"$D/run/osd.0.spawned")
        ours "$pid" && osd_up=1
    fi
    if ((osd_up)); then stop_one client.rgw.a 10; else stop_one client.rgw.a 1; fi
    stop_one osd.0 10
    stop_one mon.a 10
}

if [[ $cmd == stop ]]; then
    [[ -f $C || -d $D/run ]] || { log "$D was not started by rgw.sh; refusing"; exit 1; }
    stop_all
    log "stopped"
    [[ ${S3_RGW_KEEP:-0} == 1 ]] || rm -rf -- "$D"
    exit 0
fi
[[ $cmd == start ]] || usage

# --- start -----------------------------------------------------------------------------------
for b in ceph-authtool monmaptool ceph-mon ceph-osd radosgw radosgw-admin ceph curl python3; do
    command -v "$b" >/dev/null || { log "missing $b: scripts/deps.sh --tests installs it"; exit 1; }
done
[[ -z $(ls -A "$D") ]] || { log "$D is not empty"; exit 1; }
DEADLINE=$(($(date +%s) + ${S3_RGW_TIMEOUT:-300}))
left() {
    local l=$((DEADLINE - $(date +%s)))
    ((l > 0)) || { log "start took longer than ${S3_RGW_TIMEOUT:-300} s"; exit 1; }
    echo "$l"
}
on_exit() {
    local rc=$?
    if ((rc != 0)); then
        log "start failed; last log lines:"
        for f in "$D"/log/*; do [[ -s $f ]] && { echo "---- $f" >&2; tail -n 15 "$f" >&2; }; done
        S3_RGW_KEEP=1 stop_all
    fi
}
trap on_exit EXIT
mkdir -p "$D"/{run,log,mon,osd/0,rgw,tmp}

# Three free loopback ports: the monitor's v2 and v1 addresses and the gateway's.
read -r P_V2 P_V1 P_RGW < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
FSID=$(cat /proc/sys/kernel/random/uuid)
AK=$(head -c 10 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
SK=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')

cat >"$C" <<EOF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$P_V2,v1:127.0.0.1:$P_V1]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $D/admin.keyring
run dir = $D/run
admin socket = $D/run/\$name.asok
pid file = $D/run/\$name.pid
log file = $D/log/\$name.log
log to stderr = false
mon cluster log file = $D/log/cluster.log
crash dir = $D/tmp
tmp dir = $D/tmp
; one OSD: one replica, few placement groups, no warnings about either
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
; the monitor batches map changes for paxos_propose_interval (1 s by default) and radosgw makes
; about a dozen while it creates its pools: 0.1 s cuts the start from ~13 s to ~3 s
paxos propose interval = 0.1
paxos min wait = 0.01
rocksdb cache size = 67108864
ms async op threads = 2

[mon]
mon data = $D/mon/\$cluster-\$id
mon memory target = 268435456

[osd]
osd data = $D/osd/\$id
keyring = $D/osd/\$id/keyring
osd objectstore = memstore
memstore device bytes = ${S3_RGW_MEMSTORE_BYTES:-1073741824}
osd memory target = 939524096
osd op num shards = 2
osd op num threads per shard = 1
osd fast shutdown = true

[client.rgw.a]
keyring = $D/rgw/keyring
rgw data = $D/rgw
rgw frontends = beast endpoint=127.0.0.1:$P_RGW
rgw thread pool size = 16
rgw enable usage log = false
EOF

ceph-authtool "$D/mon.keyring" --create-keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$D/admin.keyring" --create-keyring --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$D/mon.keyring" --import-keyring "$D/admin.keyring" >/dev/null
monmaptool -c "$C" --create --fsid "$FSID" --enable-all-features --set-min-mon-release pacific \
    --addv a "[v2:127.0.0.1:$P_V2,v1:127.0.0.1:$P_V1]" "$D/monmap" >/dev/null
ceph-mon -c "$C" --mkfs -i a --monmap "$D/monmap" --keyring "$D/mon.keyring" 2>>"$D/log/mon.a.out"

# -f keeps a daemon in the foreground, so $! is its own PID; setsid detaches it from the caller's
# session (the daemons must survive this script, and a terminal hang-up).
spawn() { # name command...
    local name=$1
    shift
    setsid "$@" -f </dev/null >>"$D/log/$name.out" 2>&1 &
    echo $! >"$D/run/$name.spawned"
}
running() { alive "$(cat "$D/run/$1.spawned")"; }
CEPH=(timeout 30 ceph -c "$C" --connect-timeout 20)

spawn mon.a ceph-mon -c "$C" -i a
until "${CEPH[@]}" mon stat >/dev/null 2>&1; do
    running mon.a || { log "ceph-mon exited"; exit 1; }
    left >/dev/null
    sleep 0.2
done
log "monitor up"

OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_KEY=$(ceph-authtool --gen-print-key)
printf '{"cephx_secret": "%s"}\n' "$OSD_KEY" >"$D/osd/new.json"
[[ $("${CEPH[@]}" osd new "$OSD_UUID" -i "$D/osd/new.json") == 0 ]] || { log "osd new failed"; exit 1; }
ceph-authtool "$D/osd/0/keyring" --create-keyring -n osd.0 --add-key "$OSD_KEY" >/dev/null
ceph-osd -c "$C" -i 0 --mkfs --osd-uuid "$OSD_UUID" >>"$D/log/osd.0.out" 2>&1
spawn osd.0 ceph-osd -c "$C" -i 0
until "${CEPH[@]}" osd stat -f json 2>/dev/null | grep -q '"num_up_osds":1'; do
    running osd.0 || { log "ceph-osd exited"; exit 1; }
    left >/dev/null
    sleep 0.2
done
log "OSD up"

"${CEPH[@]}" auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' -o "$D/rgw/keyring"
spawn client.rgw.a radosgw -c "$C" -n client.rgw.a
until [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$P_RGW/" || true) == 200 ]]; do
    running client.rgw.a || { log "radosgw exited"; exit 1; }
    left >/dev/null
    sleep 0.2
done
log "gateway answers on 127.0.0.1:$P_RGW"

timeout "$(left)" radosgw-admin -c "$C" user create --uid=packyard --display-name=packyard \
    --access-key="$AK" --secret="$SK" >"$D/rgw/user.json" 2>>"$D/log/radosgw-admin.out"

# The bucket packyard's S3 backend is pointed at (packyard checks it at start, never creates it).
# The new user's keys may take a moment to reach the gateway: retried until the deadline.
until S3_ENDPOINT=http://127.0.0.1:$P_RGW AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK \
    AWS_DEFAULT_REGION=us-east-1 timeout 30 python3 "$HERE/s3_client.py" create-bucket "$BUCKET" \
    2>>"$D/log/create-bucket.out"; do
    running client.rgw.a || { log "radosgw exited"; exit 1; }
    left >/dev/null
    sleep 0.2
done
log "bucket $BUCKET created"

cat >"$D/s3.env" <<EOF
export S3_RGW_DIR=$D
export S3_ENDPOINT=http://127.0.0.1:$P_RGW
export AWS_ACCESS_KEY_ID=$AK
export AWS_SECRET_ACCESS_KEY=$SK
export AWS_DEFAULT_REGION=us-east-1
export S3_BUCKET=$BUCKET
EOF
log "ready (user packyard, bucket $BUCKET)"
echo "$D/s3.env"
