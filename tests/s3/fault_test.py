#!/usr/bin/python3
"""The S3 blob backend when the gateway misbehaves, against the real Ceph RADOS Gateway
tests/s3/suite.sh started (its s3.env in the environment; radosgw's PID in
$S3_RGW_DIR/run/client.rgw.a.spawned):

- a server given wrong credentials, a missing bucket, an endpoint nobody listens on or a frozen
  gateway refuses to start: it exits non-zero, with a message, never prints its listening line
  (within a bound: --s3-timeout 2);
- the gateway frozen (SIGSTOP) in the middle of a slowly fed 40 MiB upload (multipart at the
  default 16 MiB part size): the upload answers 503 {"message":"503 Service Unavailable"} within a
  bound set by --s3-timeout 2, nothing is recorded (the Packages API does not list it), and the
  metadata reads answer 200 quickly all through the stall; once the gateway runs again (SIGCONT) a
  new upload succeeds and downloads back byte-identical;
- the gateway frozen during a download streamed through packyard: the download ends (cut short, or
  whole when packyard had the bytes already) within a bound, metadata reads keep answering, and
  the file downloads whole once the gateway is back;
- at the end `packyard check` with the same S3 options finds the store clean.

Usage: /usr/bin/python3 tests/s3/fault_test.py PACKYARD_BINARY   (exit 77 without s3.env)
"""
import hashlib
import http.client
import json
import os
import select
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compat"))
sys.path.insert(0, HERE)

from harness import ROOT_TOKEN, Api, Checks, Server, check_store, server_args  # noqa: E402
from s3_client import S3  # noqa: E402

MIB = 1024 * 1024
S3_TIMEOUT = 2  # --s3-timeout: each S3 call's inactivity timeout
# An S3 call is tried at most 3 times (docs/s3-notes.md: retries) with backoff under 2.1 s in all;
# a multipart upload makes several calls. Generous bounds for a loaded 2-core machine.
# Measured here: the 503 about 8 s after the freeze (3 attempts of 2 s plus backoff), a frozen
# start refused after 6.5 s, a download cut 2 s after the freeze.
FAIL_BOUND = 30.0  # from freezing the gateway to the upload's 503 / the download's end
META_BOUND = 2.0  # one metadata read while the gateway is frozen
UNAVAILABLE = b'{"message":"503 Service Unavailable"}'


def log(msg):
    print(msg, flush=True)


class Gateway:
    """SIGSTOP / SIGCONT of the fixture's radosgw, only while its command line names the
    fixture's ceph.conf (a recycled PID is never signalled)."""

    def __init__(self, rgw_dir):
        self.conf = os.path.join(rgw_dir, "ceph.conf")
        with open(os.path.join(rgw_dir, "run", "client.rgw.a.spawned")) as f:
            self.pid = int(f.read().strip())
        self.stopped = False

    def _ours(self):
        try:
            with open(f"/proc/{self.pid}/cmdline", "rb") as f:
                return self.conf.encode() in f.read()
        except OSError:
            return False

    def freeze(self):
        assert self._ours(), f"radosgw {self.pid} is not the fixture's"
        os.kill(self.pid, signal.SIGSTOP)
        self.stopped = True

    def thaw(self):
        if self.stopped and self._ours():
            os.kill(self.pid, signal.SIGCONT)
        self.stopped = False


def request(port, method, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body,
                     headers={"PRIVATE-TOKEN": ROOT_TOKEN, **(headers or {})})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def package_names(port, pid):
    status, body = request(port, "GET", f"/api/v4/projects/{pid}/packages?per_page=100")
    assert status == 200, (status, body[:300])
    return {p["name"] for p in json.loads(body)}


def slow_upload(port, path, data, on_sent, chunk=MIB, pause=0.05):
    """PUT `data` in chunks with pauses on a raw connection, calling on_sent(bytes sent) after
    each; stops sending as soon as the server answers or closes. Returns (status, body, sent,
    monotonic time of the answer, headers); status 0 when there was no answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=FAIL_BOUND + 60)
    sent = 0
    try:
        s.sendall((f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   f"PRIVATE-TOKEN: {ROOT_TOKEN}\r\nContent-Length: {len(data)}\r\n"
                   "Connection: close\r\n\r\n").encode())
        while sent < len(data):
            if select.select([s], [], [], 0)[0]:
                break  # an early answer (or the server closed)
            try:
                s.sendall(data[sent:sent + chunk])
            except OSError:
                break
            sent = min(len(data), sent + chunk)
            on_sent(sent)
            time.sleep(pause)
        r = http.client.HTTPResponse(s)
        try:
            r.begin()
            body = r.read()
            return r.status, body, sent, time.monotonic(), dict(r.getheaders())
        except (OSError, http.client.HTTPException) as e:
            log(f"    no answer to the upload: {e!r}")
            return 0, b"", sent, time.monotonic(), {}
    finally:
        s.close()


def meta_reads(port, pid, package_id, until, out):
    """Metadata reads in a loop until `until` is set; appends (what, status, seconds)."""
    paths = [f"/api/v4/projects/{pid}/packages", f"/api/v4/projects/{pid}",
             f"/api/v4/projects/{pid}/packages/{package_id}/package_files", "/api/v4/user",
             f"/api/v4/projects/{pid}/packages/{package_id}"]
    i = 0
    while not until.is_set():
        path = paths[i % len(paths)]
        i += 1
        t0 = time.monotonic()
        try:
            status, _ = request(port, "GET", path, timeout=META_BOUND * 5)
        except OSError as e:
            status = repr(e)
        out.append((path, status, time.monotonic() - t0))
        time.sleep(0.1)


def overridden(words, extra):
    """words without the options extra gives (each with its value): an option given twice is a
    usage error, which would refuse the start for the wrong reason."""
    names = {w.split("=", 1)[0] for w in extra if w.startswith("--")}
    out, i = [], 0
    while i < len(words):
        name = words[i].split("=", 1)[0]
        if name in names:
            i += 1 if "=" in words[i] else 2
            continue
        out.append(words[i])
        i += 1
    return out + list(extra)


def refuses_to_start(c, binary, what, extra):
    """A server that must exit non-zero with a message instead of serving."""
    folder = tempfile.mkdtemp(prefix="packyard-s3-fault-")
    data = os.path.join(folder, "d")
    args = [binary, "serve", "--listen", "127.0.0.1:0", "--data", data, "--threads", "2",
            *overridden(server_args(data), extra)]
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(os.environ, PACKYARD_ROOT_TOKEN=ROOT_TOKEN))
    try:
        out, err = p.communicate(timeout=FAIL_BOUND)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        c.check(False, f"{what}: still running after {FAIL_BOUND:.0f} s (stdout {out[-300:]!r})")
        return
    finally:
        subprocess.run(["rm", "-rf", folder])
    took = time.monotonic() - t0
    msg = err.decode(errors="replace").strip()
    log(f"  {what}: exit {p.returncode} after {took:.1f} s: {msg[-400:]!r}")
    c.check(p.returncode not in (0, None), f"{what}: exits non-zero ({p.returncode})")
    c.check(b"listening" not in out, f"{what}: never listens ({out[-200:]!r})")
    c.check(msg != "" and ("s3" in msg.lower() or "bucket" in msg.lower()),
            f"{what}: says why, naming S3 or the bucket: {msg[-400:]!r}")


def main(binary):
    needed = ("S3_ENDPOINT", "S3_BUCKET", "S3_RGW_DIR", "AWS_ACCESS_KEY_ID",
              "AWS_SECRET_ACCESS_KEY")
    if not all(os.environ.get(k) for k in needed):
        print("skipped: needs tests/s3/rgw.sh's s3.env in the environment (tests/s3/suite.sh)")
        return 77
    env = os.environ
    if not env.get("PACKYARD_TEST_SERVER_ARGS"):
        env["PACKYARD_TEST_SERVER_ARGS"] = (
            f"--blob-store s3 --s3-endpoint {env['S3_ENDPOINT']} --s3-bucket {env['S3_BUCKET']} "
            "--s3-prefix t-{unique}/")
    # Every server here and `packyard check` get the short timeout (harness: server_args).
    env["PACKYARD_TEST_SERVER_ARGS"] = shlex.join(overridden(
        shlex.split(env["PACKYARD_TEST_SERVER_ARGS"]), ["--s3-timeout", str(S3_TIMEOUT)]))
    log(f"PACKYARD_TEST_SERVER_ARGS={env['PACKYARD_TEST_SERVER_ARGS']}")
    c = Checks()
    gw = Gateway(env["S3_RGW_DIR"])
    s3 = S3.from_env()

    log("== a server that cannot use its bucket refuses to start")
    refuses_to_start(c, binary, "wrong secret key", ["--s3-secret-access-key", "wrong" * 8])
    refuses_to_start(c, binary, "unknown access key", ["--s3-access-key-id", "AKIDNOSUCHKEY0000000"])
    refuses_to_start(c, binary, "missing bucket", ["--s3-bucket", "no-such-bucket"])
    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    refuses_to_start(c, binary, "nobody listening at the endpoint",
                     ["--s3-endpoint", f"http://127.0.0.1:{spare.getsockname()[1]}"])
    spare.close()
    gw.freeze()  # connections are accepted (the kernel's backlog) and never answered
    try:
        refuses_to_start(c, binary, "the gateway frozen", [])
    finally:
        gw.thaw()

    srv = Server(binary)
    try:
        root = Api(srv.url, ROOT_TOKEN)
        st, group = root.call("POST", "/groups", {"name": "faults", "path": "faults",
                                                  "visibility": "private"})
        assert st == 201, (st, group)
        st, proj = root.call("POST", "/projects", {"name": "p", "namespace_id": group["id"],
                                                   "visibility": "private"})
        assert st == 201, (st, proj)
        pid = proj["id"]
        base = f"/api/v4/projects/{pid}/packages/generic"

        log("== a 48 MiB file stored while the gateway answers")
        kept = os.urandom(48 * MIB)
        t0 = time.monotonic()
        st, body = request(srv.port, "PUT", f"{base}/kept/1.0/kept.bin", kept, timeout=120)
        log(f"  upload: {st} in {time.monotonic() - t0:.1f} s")
        c.check(st == 201, f"48 MiB upload with the gateway up: 201 ({st} {body[:200]!r})")
        st, got = request(srv.port, "GET", f"{base}/kept/1.0/kept.bin", timeout=120)
        c.check(st == 200 and got == kept, f"it downloads byte-identical ({st}, {len(got)} bytes)")
        st, body = request(srv.port, "GET", f"/api/v4/projects/{pid}/packages")
        kept_id = json.loads(body)[0]["id"]

        log("== the gateway frozen in the middle of a slowly fed 40 MiB upload")
        stalled = os.urandom(40 * MIB)
        frozen_at = []

        def on_sent(n):
            if n >= 10 * MIB and not frozen_at:
                gw.freeze()
                frozen_at.append(time.monotonic())
                log(f"  radosgw {gw.pid} frozen after {n // MIB} MiB sent")

        result = []
        up = threading.Thread(target=lambda: result.append(
            slow_upload(srv.port, f"{base}/stalled/1.0/stalled.bin", stalled, on_sent)))
        reads, done = [], threading.Event()
        try:
            up.start()
            while not frozen_at and up.is_alive():
                time.sleep(0.05)
            reader = threading.Thread(target=meta_reads,
                                      args=(srv.port, pid, kept_id, done, reads))
            reader.start()
            up.join(timeout=FAIL_BOUND + 90)
            done.set()
            reader.join(timeout=META_BOUND * 10)
            listed_during = package_names(srv.port, pid)
        finally:
            gw.thaw()
        c.check(bool(frozen_at), "the gateway was frozen during the upload")
        c.check(not up.is_alive() and result, "the upload ended")
        if result and frozen_at:
            st, body, sent, answered, headers = result[0]
            took = answered - frozen_at[0]
            log(f"  answer {st} {body[:200]!r} {took:.1f} s after the freeze "
                f"({sent // MIB} of {len(stalled) // MIB} MiB sent)")
            c.check(st == 503 and body == UNAVAILABLE,
                    f"the upload answers 503 {UNAVAILABLE.decode()}: {st} {body[:300]!r}")
            c.check(took < FAIL_BOUND, f"the 503 comes within {FAIL_BOUND:.0f} s: {took:.1f} s")
            c.check(headers.get("Retry-After") == "5",
                    f"the 503 says Retry-After: 5 (decision 0021): {headers.get('Retry-After')}")
        slow = [r for r in reads if r[1] != 200 or r[2] >= META_BOUND]
        worst = max((r[2] for r in reads), default=0.0)
        log(f"  {len(reads)} metadata reads during the stall, slowest {worst:.2f} s")
        c.check(len(reads) >= 3, f"metadata was read during the stall ({len(reads)} reads)")
        c.check(not slow, f"every metadata read answered 200 within {META_BOUND} s: {slow[:5]}")
        c.check("stalled" not in listed_during, "the failed upload is not listed (gateway frozen)")

        # The gateway again: wait until it answers, then store and read back a new file.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if s3.request("GET", "/" + env["S3_BUCKET"], [("list-type", "2"),
                                                              ("max-keys", "1")], timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        c.check("stalled" not in package_names(srv.port, pid),
                "the failed upload is not listed (gateway back)")
        log("== after the thaw: a new 40 MiB upload")
        fresh = os.urandom(40 * MIB)
        st, body = request(srv.port, "PUT", f"{base}/fresh/1.0/fresh.bin", fresh, timeout=120)
        c.check(st == 201, f"an upload after the thaw: 201 ({st} {body[:200]!r})")
        st, got = request(srv.port, "GET", f"{base}/fresh/1.0/fresh.bin", timeout=120)
        c.check(st == 200 and hashlib.sha256(got).digest() == hashlib.sha256(fresh).digest(),
                f"it downloads byte-identical ({st}, {len(got)} bytes)")
        st, body = request(srv.port, "PUT", f"{base}/stalled/1.0/stalled.bin", stalled,
                           timeout=120)
        c.check(st == 201, f"the upload that failed, sent again: 201 ({st})")

        log("== the gateway frozen during a download")
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=FAIL_BOUND + 30)
        reads, done = [], threading.Event()
        reader = None
        got = b""
        ended = None
        try:
            conn.request("GET", f"{base}/kept/1.0/kept.bin", headers={"PRIVATE-TOKEN": ROOT_TOKEN})
            r = conn.getresponse()
            c.check(r.status == 200, f"the download starts: {r.status}")
            got = r.read(2 * MIB)  # then packyard waits on the client, not on the gateway
            gw.freeze()
            frozen = time.monotonic()
            log(f"  radosgw frozen after {len(got) // MIB} MiB read")
            reader = threading.Thread(target=meta_reads,
                                      args=(srv.port, pid, kept_id, done, reads))
            reader.start()
            outcome = "whole"
            while True:
                try:
                    piece = r.read1(MIB) if hasattr(r, "read1") else r.read(MIB)
                except (OSError, http.client.HTTPException) as e:
                    outcome = f"cut: {e!r}"
                    break
                if not piece:
                    break
                got += piece
            ended = time.monotonic() - frozen
            if outcome == "whole" and len(got) < len(kept):
                outcome = "cut: closed early"
        finally:
            done.set()
            if reader:
                reader.join(timeout=META_BOUND * 10)
            gw.thaw()
            conn.close()
        if ended is not None:
            log(f"  download {outcome}, {len(got) // MIB} of {len(kept) // MIB} MiB, "
                f"{ended:.1f} s after the freeze")
            c.check(ended < FAIL_BOUND, f"the download ends within {FAIL_BOUND:.0f} s: {ended:.1f} s")
            c.check(len(got) < len(kept) or got == kept,
                    "what arrived is the file or a cut prefix of it, never other bytes")
            c.check(got == kept[:len(got)], "the bytes that arrived are the file's")
        slow = [r for r in reads if r[1] != 200 or r[2] >= META_BOUND]
        worst = max((r[2] for r in reads), default=0.0)
        log(f"  {len(reads)} metadata reads during the stall, slowest {worst:.2f} s")
        c.check(not slow, f"every metadata read answered 200 within {META_BOUND} s: {slow[:5]}")
        time.sleep(1)
        st, got = request(srv.port, "GET", f"{base}/kept/1.0/kept.bin", timeout=120)
        c.check(st == 200 and got == kept, f"after the thaw it downloads whole ({st}, {len(got)})")

        log("== packyard check")
        code = srv.stop()
        c.check(code == 0, f"SIGTERM exits 0 ({code})")
        code, out = check_store(binary, srv.data, "--format", "json")
        try:
            report = json.loads(out)
        except ValueError:
            report = {}
        c.check(code == 0 and report.get("problems") == 0,
                f"packyard check with the S3 options finds the store clean: {code} {out[-2000:]}")
    finally:
        gw.thaw()
        srv.close()
    return c.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
