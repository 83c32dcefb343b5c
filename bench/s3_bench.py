#!/usr/bin/env python3
"""The S3 blob backend beside the local folder, in one run: starts a Ceph RADOS Gateway
(tests/s3/rgw.sh), creates its buckets with a request signed by packyard's own signer
(tests/s3/s3_sign), then three servers side by side, each on its own data folder:

  local     --blob-store local (the default)
  streamed  --blob-store s3: downloads stream through packyard
  direct    --blob-store s3 --blob-direct-download: downloads answer 302 to a presigned GET,
            which the client (curl -L) follows to the gateway

and measures, medians of --rounds rounds, the order of the servers rotating each round:

  * generic uploads of a --big-mib file (MiB/s; distinct bytes each time, so no upload is a
    duplicate of a stored blob) and of --small-kib files with --upload-clients clients (req/s);
  * downloads of a stored --big-mib file (MiB/s) and of a --small-kib file with
    --download-clients clients (req/s);
  * packyard's CPU per operation (utime + stime of its process over the run);
  * resident memory around a --rss-mib upload: VmRSS before, the peak (VmHWM, reset through
    /proc/PID/clear_refs just before) and VmRSS after;
  * last, the gateway stopped: what an upload, a list, a download and /-/readiness answer on the
    S3 servers, and how fast (--no-outage skips it).

The uploads run against local and streamed only (direct differs in its downloads alone). Load is
curl's: one process, --parallel with as many connections as clients, keep-alive, -L.

  bash bench/s3_run.sh                   # builds, then runs this with the defaults
  python3 bench/s3_bench.py --binary build/release/server/packyard \\
      --s3-sign build/release/tests/s3/s3_sign [--rounds 5] [--rss-mib 1024]

The gateway's OSD keeps objects in RAM (memstore): S3_RGW_MEMSTORE_BYTES is set to twice what
the run stores in it (about 4 GiB with the defaults) unless --memstore-mib says otherwise.
"""

import argparse
import hashlib
import http.client as httpclient
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import TOKEN, Packyard, cpu_seconds, fail, rss_mib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RGW = os.path.join(ROOT, "tests", "s3", "rgw.sh")
MIB = 1 << 20
SERVERS = ("local", "streamed", "direct")
TITLES = {"local": "local folder", "streamed": "S3, streamed", "direct": "S3, direct download"}


class Failed(Exception):
    """A request the backend answered wrongly: the row's cell says `failed`, the detail is
    printed under the table."""


def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# --- the gateway -------------------------------------------------------------------------------

class Gateway:
    def __init__(self, directory, memstore_bytes):
        self.dir = directory
        t0 = time.time()
        env = dict(os.environ, S3_RGW_MEMSTORE_BYTES=str(memstore_bytes))
        done = subprocess.run(["bash", RGW, "start", directory], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            fail(f"rgw.sh start failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
        self.started_in = time.time() - t0
        self.env = {}
        with open(done.stdout.strip().splitlines()[-1]) as f:
            for line in f:
                k, _, v = line.removeprefix("export ").strip().partition("=")
                self.env[k] = v
        self.endpoint = self.env["S3_ENDPOINT"]
        self.pids = {}
        for name in ("client.rgw.a", "osd.0", "mon.a"):
            with open(os.path.join(directory, "run", f"{name}.spawned")) as f:
                self.pids[name] = int(f.read().strip())

    def signed(self, sign, method, target, body=b"", headers=None):
        """One request signed by packyard's signer (tests/s3/s3_sign), as rgw_test.py sends them."""
        headers = dict(headers or {})
        out = subprocess.run([sign, "header", method, self.endpoint + target, sha256(body)]
                             + [f"{k}:{v}" for k, v in headers.items()],
                             env={**os.environ, **self.env}, check=True, capture_output=True,
                             text=True).stdout
        headers.update(line.split(": ", 1) for line in out.splitlines())
        conn = httpclient.HTTPConnection(self.endpoint.removeprefix("http://"), timeout=60)
        conn.request(method, target, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, data

    def rss_mib(self):
        return sum(rss_mib(pid) for pid in self.pids.values())

    def stop(self):
        if self.dir:
            subprocess.run(["bash", RGW, "stop", self.dir], capture_output=True)
            self.dir = None


# --- load: curl --------------------------------------------------------------------------------

def curl(args, what):
    done = subprocess.run(["curl", "-sS", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise Failed(f"{what}: curl exit {done.returncode}: {done.stderr.strip()[:300]}")
    return done.stdout


def parallel(lines, clients, writeout, headers=()):
    """curl --parallel over a config of url/upload-file/output lines; returns (seconds, one
    write-out line per transfer)."""
    with tempfile.NamedTemporaryFile("w", suffix=".curl", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        config = f.name
    try:
        args = ["--no-progress-meter", "-Z", "--parallel-max", str(clients), "--parallel-immediate", "-L", "-w", writeout + "\\n",
                "-K", config]
        for h in headers:
            args += ["-H", h]
        t0 = time.perf_counter()
        done = subprocess.run(["curl", "-sS", *args], capture_output=True, text=True)
        took = time.perf_counter() - t0
    finally:
        os.unlink(config)
    return took, done.stdout.split("\n")[:-1], done


# --- one server under test ----------------------------------------------------------------------

class Server:
    def __init__(self, name, binary, data, extra, env):
        self.name = name
        self.py = Packyard(binary, data, extra, env)
        self.base = self.py.base
        self.auth = f"PRIVATE-TOKEN: {TOKEN}"
        conn = httpclient.HTTPConnection("127.0.0.1", self.py.port, timeout=60)
        conn.request("POST", "/api/v4/projects", json.dumps({"name": "bench", "path": "bench"}),
                     {"PRIVATE-TOKEN": TOKEN, "Content-Type": "application/json"})
        r = conn.getresponse()
        body = r.read()
        if r.status != 201:
            fail(f"{name}: POST /api/v4/projects answered {r.status} {body[:300]!r}")
        self.project = json.loads(body)["id"]
        self.generic = f"{self.base}/api/v4/projects/{self.project}/packages/generic"

    @property
    def pid(self):
        return self.py.proc.pid

    def cpu(self):
        return cpu_seconds(self.pid)

    def alive(self):
        if self.py.proc.poll() is not None:
            fail(self.py.describe_exit())

    def upload(self, path, url):
        out = curl(["-T", path, "-H", self.auth, "-w", "\n%{http_code} %{time_total}", url],
                   f"{self.name} PUT {url}")
        body, _, last = out.rpartition("\n")
        code, took = last.split()
        if code != "201":
            raise Failed(f"{self.name}: PUT {url} ({os.path.getsize(path)} bytes) answered {code} {body[:300]}")
        return float(took)

    def download_check(self, url, expect_sha, expect_size):
        """One download read whole: bytes, status and the final response's headers, redirect
        followed."""
        done = subprocess.run(["curl", "-sS", "-L", "-H", self.auth, "-D", "/dev/stderr", url],
                              capture_output=True)
        heads = done.stderr.decode(errors="replace")
        blocks = [b for b in re.split(r"\r?\n\r?\n", heads) if b.startswith("HTTP/")]
        first, last = (blocks[0], blocks[-1]) if blocks else ("", "")
        status = last.split(" ", 2)[1] if last else "?"
        if status != "200" or len(done.stdout) != expect_size or sha256(done.stdout) != expect_sha:
            raise Failed(f"{self.name}: GET {url}: status {status}, {len(done.stdout)} bytes "
                         f"(expected {expect_size}), sha256 "
                         f"{'matches' if sha256(done.stdout) == expect_sha else 'differs'}\n{heads[:1500]}")
        header = lambda block, name: (re.search(rf"(?im)^{name}: *(.*?)\r?$", block) or [None, None])[1]
        return {"status": first.split(" ", 2)[1] if first else "?",
                "location": header(first, "location"),
                "content-disposition": header(last, "content-disposition"),
                "content-type": header(last, "content-type")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--s3-sign", required=True, help="build/release/tests/s3/s3_sign")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--big-mib", type=int, default=64)
    ap.add_argument("--small-kib", type=int, default=64)
    ap.add_argument("--duration", type=float, default=5,
                    help="seconds of small requests a round and server (their count set by a warm-up)")
    ap.add_argument("--max-small-uploads", type=int, default=2000, help="small uploads a round and server, at most")
    ap.add_argument("--upload-clients", type=int, default=4)
    ap.add_argument("--download-clients", type=int, default=8)
    ap.add_argument("--rss-mib", type=int, default=1024, help="the upload whose resident memory is watched")
    ap.add_argument("--memstore-mib", type=int, default=None,
                    help="the OSD's memstore (RAM); default twice what the run stores")
    ap.add_argument("--part-size-mib", type=int, default=None, help="passed as --s3-part-size-mib")
    ap.add_argument("--work", default=None, help="folder for the data folders and files (default: a temp dir)")
    ap.add_argument("--no-outage", action="store_true",
                    help="skip the last step: the servers' answers once the gateway is stopped")
    ap.add_argument("--servers", default=",".join(SERVERS), help="which of local,streamed,direct to run")
    ap.add_argument("--smoke", action="store_true", help="one small round of everything")
    args = ap.parse_args()
    chosen = [n for n in SERVERS if n in args.servers.split(",")]
    if args.smoke:
        args.rounds, args.big_mib, args.rss_mib = 1, 8, 64
        args.duration, args.max_small_uploads = 1, 100
    for tool in ("curl",):
        if not shutil.which(tool):
            fail(f"{tool} is missing")

    small = args.small_kib << 10
    big = args.big_mib * MIB
    stored = (args.rounds * (big + args.max_small_uploads * small)  # streamed's uploads
              + 2 * (big + small)  # the files downloaded, one per S3 server
              + args.rss_mib * MIB)
    memstore = (args.memstore_mib * MIB) if args.memstore_mib else max(1 << 30, 2 * stored)
    work = args.work or tempfile.mkdtemp(prefix="packyard-s3bench-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    os.makedirs(work, exist_ok=True)
    files = os.path.join(work, "files")
    os.makedirs(files, exist_ok=True)

    print(f"work folder {work}; starting the gateway (memstore {memstore / MIB:.0f} MiB) ...", flush=True)
    gw = Gateway(os.path.join(work, "rgw"), memstore)
    servers = {}
    failures = []  # (row, server, detail)
    try:
        print(f"gateway ready in {gw.started_in:.1f} s at {gw.endpoint}", flush=True)
        s3_env = {k: gw.env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}
        for name in [n for n in chosen if n != "local"]:
            st, body = gw.signed(args.s3_sign, "PUT", f"/packyard-bench-{name}")
            if st != 200:
                fail(f"creating bucket packyard-bench-{name}: {st} {body[:300]!r}")
        for name in chosen:
            extra = []
            if name != "local":
                extra = ["--blob-store", "s3", "--s3-endpoint", gw.endpoint,
                         "--s3-bucket", f"packyard-bench-{name}"]
                if args.part_size_mib:
                    extra += ["--s3-part-size-mib", str(args.part_size_mib)]
                if name == "direct":
                    extra.append("--blob-direct-download")
            servers[name] = Server(name, args.binary, os.path.join(work, name), extra,
                                   s3_env if name != "local" else {})
        print("servers: " + ", ".join(f"{n} {s.base}" for n, s in servers.items()), flush=True)

        # The files: one big file whose first bytes change before each upload, small files made
        # per round, and the downloaded pair stored once per server.
        big_path = os.path.join(files, "big.bin")
        with open(big_path, "wb") as f:
            block = os.urandom(4 * MIB)
            for i in range(0, big, len(block)):
                f.write(block[:min(len(block), big - i)])
        big_fd = os.open(big_path, os.O_WRONLY)
        stamp_n = [0]

        def stamp(fd):
            stamp_n[0] += 1
            os.pwrite(fd, f"{stamp_n[0]:016d}{time.time_ns():020d}".encode(), 0)

        dl_small = os.urandom(small)
        dl_big = os.urandom(big)
        dl_small_path, dl_big_path = os.path.join(files, "dl-small.bin"), os.path.join(files, "dl-big.bin")
        for path, data in ((dl_small_path, dl_small), (dl_big_path, dl_big)):
            with open(path, "wb") as f:
                f.write(data)
        headers = {}
        for name, s in servers.items():
            for path in (dl_small_path, dl_big_path):
                try:
                    s.upload(path, f"{s.generic}/dl/1.0/{os.path.basename(path)}")
                except Failed as e:
                    fail(f"storing the download files: {e}")
            for label, data in (("small", dl_small), ("big", dl_big)):
                try:
                    got = s.download_check(f"{s.generic}/dl/1.0/dl-{label}.bin", sha256(data), len(data))
                    headers.setdefault(label, {})[name] = got
                except Failed as e:
                    failures.append((f"download check {label}", name, str(e)))
        del dl_big

        results = {}  # (row, server) -> [values]
        cpu = {}  # (row, server) -> [seconds of packyard CPU per operation]

        def record(row, name, value, cpu_per_op):
            results.setdefault((row, name), []).append(value)
            cpu.setdefault((row, name), []).append(cpu_per_op)

        row_big_up = f"upload {args.big_mib} MiB (MiB/s)"
        row_small_up = f"upload {args.small_kib} KiB, {args.upload_clients} clients (req/s)"
        row_big_down = f"download {args.big_mib} MiB (MiB/s)"
        row_small_down = f"download {args.small_kib} KiB, {args.download_clients} clients (req/s)"

        def small_uploads(s, count, tag):
            """count PUTs of distinct small files; returns (seconds, packyard CPU) or raises."""
            sdir = tempfile.mkdtemp(dir=files)
            lines = []
            for i in range(count):
                p = os.path.join(sdir, f"{i}.bin")
                with open(p, "wb") as f:
                    f.write(os.urandom(small))
                lines += [f'url = "{s.generic}/small/{tag}/f{i}.bin"', f'upload-file = "{p}"',
                          'output = "/dev/null"']
            c0 = s.cpu()
            took, codes, done = parallel(lines, args.upload_clients, "%{http_code}", [s.auth])
            c1 = s.cpu()
            shutil.rmtree(sdir)
            bad = [c for c in codes if c != "201"]
            if bad or len(codes) != count:
                raise Failed(f"{s.name}: {len(bad)} of {len(codes)} PUTs of {small} bytes not 201 "
                             f"({sorted(set(bad))}); curl: {done.stderr.strip()[:300]}")
            return took, c1 - c0

        def small_downloads(s, count):
            url = f"{s.generic}/dl/1.0/dl-small.bin"
            lines = [f'url = "{url}"\noutput = "/dev/null"'] * count
            c0 = s.cpu()
            took, codes, done = parallel(lines, args.download_clients, "%{http_code} %{size_download}", [s.auth])
            c1 = s.cpu()
            bad = [c for c in codes if c != f"200 {small}"]
            if bad or len(codes) != count:
                raise Failed(f"{s.name}: {len(bad)} of {len(codes)} GETs of {url} not 200 with {small} bytes "
                             f"({sorted(set(bad))[:5]}); curl: {done.stderr.strip()[:300]}")
            return took, c1 - c0

        # Warm-up, and how many small requests fill --duration seconds on each server.
        counts = {}
        for name in chosen:
            s = servers[name]
            try:
                n_up = 0
                if name != "direct":
                    took, _ = small_uploads(s, 40, "warm-up")
                    n_up = max(40, min(args.max_small_uploads, int(40 / took * args.duration)))
                took, _ = small_downloads(s, 200)
                n_down = max(200, min(100_000, int(200 / took * args.duration)))
                counts[name] = (n_up, n_down)
            except Failed as e:
                failures.append(("warm-up", name, str(e)))
                counts[name] = (args.max_small_uploads // 10, 1000)
        print("small requests a round: " + ", ".join(f"{n} {u} PUTs, {d} GETs" for n, (u, d) in counts.items()),
              flush=True)

        order = list(chosen)
        for rnd in range(args.rounds):
            print(f"round {rnd + 1}/{args.rounds}: {' '.join(order)}", flush=True)
            for name in order:
                s = servers[name]
                s.alive()
                n_up, n_down = counts[name]
                if name != "direct":
                    try:  # one big upload
                        stamp(big_fd)
                        c0 = s.cpu()
                        took = s.upload(big_path, f"{s.generic}/big/{rnd}/big-{stamp_n[0]}.bin")
                        record(row_big_up, name, args.big_mib / took, s.cpu() - c0)
                    except Failed as e:
                        failures.append((row_big_up, name, str(e)))
                    try:  # small uploads, distinct bytes each
                        took, used = small_uploads(s, n_up, rnd)
                        record(row_small_up, name, n_up / took, used / n_up)
                    except Failed as e:
                        failures.append((row_small_up, name, str(e)))
                # the big download
                url = f"{s.generic}/dl/1.0/dl-big.bin"
                try:
                    c0 = s.cpu()
                    out = curl(["-L", "-H", s.auth, "-o", "/dev/null", "-w",
                                "%{http_code} %{size_download} %{time_total}", url], f"{name} GET {url}")
                    code, size, took = out.split()
                    if code != "200" or int(size) != big:
                        raise Failed(f"{name}: GET {url} answered {code} with {size} bytes")
                    record(row_big_down, name, args.big_mib / float(took), s.cpu() - c0)
                except Failed as e:
                    failures.append((row_big_down, name, str(e)))
                try:  # small downloads
                    took, used = small_downloads(s, n_down)
                    record(row_small_down, name, n_down / took, used / n_down)
                except Failed as e:
                    failures.append((row_small_down, name, str(e)))
            order = order[1:] + order[:1]

        # Resident memory around one large upload (local and streamed; direct's upload is streamed's).
        rss_path = os.path.join(files, "rss.bin")
        with open(rss_path, "wb") as f:
            block = os.urandom(4 * MIB)
            for _ in range(args.rss_mib // 4):
                f.write(block)
        rss_fd = os.open(rss_path, os.O_WRONLY)
        rss = {}
        for name in [n for n in ("local", "streamed") if n in servers]:
            s = servers[name]
            before = proc_status(s.pid, "VmRSS")
            gw_before = gw.rss_mib()
            with open(f"/proc/{s.pid}/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM to the current RSS
            samples, stop = [], threading.Event()

            def watch(pid=s.pid):
                while not stop.is_set():
                    samples.append(proc_status(pid, "VmRSS"))
                    time.sleep(0.02)

            t = threading.Thread(target=watch)
            t.start()
            stamp(rss_fd)
            try:
                took = s.upload(rss_path, f"{s.generic}/rss/1.0/rss.bin")
            except Failed as e:
                failures.append((f"upload {args.rss_mib} MiB", name, str(e)))
                took = float("nan")
            stop.set()
            t.join()
            rss[name] = {"before": before, "peak": proc_status(s.pid, "VmHWM"),
                         "sampled": max(samples) if samples else float("nan"),
                         "after": proc_status(s.pid, "VmRSS"), "mibs": args.rss_mib / took,
                         "gateway": gw.rss_mib() - gw_before}
        os.close(rss_fd)
        os.close(big_fd)
        tmp_left = {name: os.listdir(os.path.join(work, name, "tmp")) if os.path.isdir(
            os.path.join(work, name, "tmp")) else [] for name in servers}
        gw_rss = gw.rss_mib()
        s3_calls = {}  # server -> "operation calls/retries/failures", from /-/metrics
        for name in [n for n in chosen if n != "local"]:
            conn = httpclient.HTTPConnection("127.0.0.1", servers[name].py.port, timeout=60)
            conn.request("GET", "/-/metrics")
            text = conn.getresponse().read().decode()
            conn.close()
            seen = {}
            for series, key in (("packyard_s3_requests_total", 0), ("packyard_s3_retries_total", 1),
                                ("packyard_s3_request_failures_total", 2)):
                for op, value in re.findall(rf'^{series}{{operation="([^"]+)"}} (\d+)', text, re.M):
                    seen.setdefault(op, [0, 0, 0])[key] = int(value)
            s3_calls[name] = ", ".join(f"{op} {c}/{r}/{f}" for op, (c, r, f) in seen.items() if c or r or f)
        # With the gateway gone: what uploads, reads and downloads answer, and how fast.
        gw.stop()
        down = []
        if not args.no_outage:
            with open(dl_small_path, "rb") as f:
                body = f.read()[:1000] + os.urandom(16)
            for name in [n for n in chosen if n != "local"]:
                s = servers[name]
                generic = f"/api/v4/projects/{s.project}/packages/generic"
                probes = [("GET", f"/api/v4/projects/{s.project}/packages", None),
                          ("GET", f"{generic}/dl/1.0/dl-small.bin", None),
                          ("GET", "/-/readiness", None)]
                if name == "streamed":
                    probes.insert(0, ("PUT", f"{generic}/down/1.0/f.bin", body))
                for method, path, data in probes:
                    conn = httpclient.HTTPConnection("127.0.0.1", s.py.port, timeout=300)
                    t0 = time.perf_counter()
                    conn.request(method, path, data, {"PRIVATE-TOKEN": TOKEN})
                    r = conn.getresponse()
                    answer = r.read()
                    took = time.perf_counter() - t0
                    conn.close()
                    shown = answer[:120] if r.getheader("Content-Type", "").startswith(("application/json", "text")) \
                        else f"<{len(answer)} bytes>".encode()
                    if r.status in (301, 302, 303, 307):
                        shown = f"Location: {r.getheader('Location', '')[:80]}...".encode()
                    down.append((name, f"{method} {path}", r.status, shown.decode(errors="replace"), took))
            tmp_left_down = {n: os.listdir(os.path.join(work, n, "tmp")) for n in chosen
                             if os.path.isdir(os.path.join(work, n, "tmp"))}
    finally:
        for s in servers.values():
            s.py.stop()
        gw.stop()

    # --- the report ---------------------------------------------------------------------------
    def cell(row, name, fmt="{:.0f}"):
        if any(r == row and n == name for r, n, _ in failures):
            return "failed"
        vals = results.get((row, name))
        return fmt.format(statistics.median(vals)) if vals else "-"

    def cpu_cell(row, name, scale, fmt):
        vals = cpu.get((row, name))
        return fmt.format(statistics.median(vals) * scale) if vals else "-"

    load = os.getloadavg()
    print()
    print(f"packyard {args.binary}; Ceph RGW on memstore ({memstore / MIB:.0f} MiB), started in "
          f"{gw.started_in:.1f} s; {args.rounds} rounds, medians; curl --parallel, keep-alive; "
          f"load average {load[0]:.1f} at the end; {os.cpu_count()} cores")
    print()
    print(f"| | {' | '.join(TITLES[n] for n in SERVERS)} |")
    print("|---|" + "---:|" * len(SERVERS))
    for row in (row_big_up, row_small_up, row_big_down, row_small_down):
        print(f"| {row} | {' | '.join(cell(row, n) for n in SERVERS)} |")
    for row, scale, unit, fmt in ((row_big_up, 1e3, "ms", "{:.0f}"), (row_small_up, 1e6, "µs", "{:.0f}"),
                                  (row_big_down, 1e3, "ms", "{:.0f}"), (row_small_down, 1e6, "µs", "{:.0f}")):
        # /proc counts CPU in ticks of 10 ms: a figure under a tick per run reads as 0
        label = row.rsplit(" (", 1)[0]
        print(f"| packyard CPU per {label} ({unit}) | "
              f"{' | '.join(cpu_cell(row, n, scale, fmt) for n in SERVERS)} |")
    gib = f"{args.rss_mib} MiB" if args.rss_mib % 1024 else f"{args.rss_mib // 1024} GiB"
    for key, label in (("before", f"RSS before the {gib} upload (MiB)"),
                       ("peak", f"peak RSS during it, VmHWM (MiB)"),
                       ("after", "RSS after it (MiB)"),
                       ("mibs", f"that upload (MiB/s)")):
        vals = [f"{rss[n][key]:.0f}" if n in rss else "-" for n in SERVERS]
        print(f"| {label} | {' | '.join(vals)} |")
    print()
    for name in ("local", "streamed"):
        if name in rss:
            print(f"{name}: RSS sampled every 20 ms during the {gib} upload peaked at "
                  f"{rss[name]['sampled']:.0f} MiB; the gateway's three daemons grew by "
                  f"{rss[name]['gateway']:.0f} MiB meanwhile")
    print(f"gateway daemons' RSS at the end: {gw_rss:.0f} MiB")
    for row in (row_big_up, row_small_up, row_big_down, row_small_down):
        runs = "; ".join(f"{n} " + ", ".join(f"{v:.0f}" for v in results[(row, n)])
                         for n in SERVERS if (row, n) in results)
        print(f"rounds, {row}: {runs}")
    for label in ("small", "big"):
        for name, h in headers.get(label, {}).items():
            print(f"{label} download, {name}: first answer {h['status']}"
                  + (f" (Location {h['location'][:90]}...)" if h["location"] else "")
                  + f", Content-Disposition {h['content-disposition']!r}, Content-Type {h['content-type']!r}")
    for name, left in tmp_left.items():
        if left:
            print(f"{name}: DATA/tmp holds {len(left)} files after the run: {left[:5]}")
    for name, calls in s3_calls.items():
        print(f"{name}: S3 calls by operation (calls/retries/failures, from /-/metrics, before the "
              f"gateway stopped): {calls}")
    for name, request, status, shown, took in down:
        print(f"gateway stopped, {name}: {request} -> {status} {shown} ({took:.2f} s)")
    for name, left in (tmp_left_down if down else {}).items():
        if left:
            print(f"gateway stopped, {name}: DATA/tmp holds {left[:5]}")
    for row, name, detail in failures:
        print(f"FAILED {row} on {name}: {detail}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
