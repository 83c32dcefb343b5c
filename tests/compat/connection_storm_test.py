#!/usr/bin/env python3
"""A connection storm: connections opened and dropped abruptly, in a loop and from many threads
(a reset right after connect, half-sent headers closed or reset, a request reset before its
answer, downloads closed mid-file, generic, npm and PyPI uploads closed mid-body, a client that
asked for 100 Continue and left). Afterwards the server's descriptor count (/proc/<pid>/fd) is
back at its baseline, no temp file remains in <data>/tmp, and it answers: lists, the downloads'
bytes, new uploads.

Then the connection limit fitted to the open-file limit: a server started with RLIMIT_NOFILE at
1,200 lowers --max-connections to 600 (half of it, the rest kept for the store and files), says
so in its log, serves 600 connections and answers the 601st with 503."""

import concurrent.futures
import hashlib
import json
import os
import random
import resource
import shutil
import socket
import struct
import subprocess
import sys
import time

from abuse import (NPM_HEADERS, PYPI_HEADERS, fd_count, generic_path, npm_path, npm_publish_body,
                   npm_tgz, project, pypi_form, pypi_path, raw_header, request,
                   settled_fd_count, temp_files)
from harness import ROOT_TOKEN, Checks, Server

ROUNDS = 3
PER_KIND = 40  # connections of each kind per round


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def drop(s, reset):
    """Closes abruptly: a reset (SO_LINGER 0) or a plain close with bytes possibly unread."""
    if reset:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


class Storm:
    def __init__(self, port, pid):
        self.port = port
        self.pid = pid
        self.big = generic_path(pid, "big", "1.0", "big.bin")
        self.list = f"/api/v4/projects/{pid}/packages"
        # Bodies built once: they are cut halfway anyway.
        self.bytes = os.urandom(256 << 10)
        self.npm_body = npm_publish_body("@storm/cut", "1.0.0",
                                         npm_tgz("@storm/cut", "1.0.0", os.urandom(200 << 10)))
        self.pypi_body = pypi_form("cut", "1.0", "cut-1.0.tar.gz", os.urandom(300 << 10))

    def reset_after_connect(self, i):
        drop(connect(self.port), True)

    def half_header(self, i):
        s = connect(self.port)
        s.sendall(b"GET " + self.list.encode() + b" HTTP/1.1\r\nHost: x\r\nPRIVATE-TO")
        drop(s, i % 2 == 0)

    def request_reset_before_answer(self, i):
        s = connect(self.port)
        s.sendall(raw_header("GET", self.list, {}) * 3)  # pipelined, never read
        drop(s, True)

    def download_closed_mid_file(self, i):
        s = connect(self.port)
        s.sendall(raw_header("GET", self.big, {}))
        got = 0
        while got < 64 * 1024:
            chunk = s.recv(16384)
            if not chunk:
                break
            got += len(chunk)
        drop(s, i % 2 == 0)

    def generic_upload_closed_mid_body(self, i):
        s = connect(self.port)
        path = generic_path(self.pid, "cut", "1.0", f"f{i}.bin")
        s.sendall(raw_header("PUT", path, {"Content-Length": 4 << 20}) + self.bytes)
        drop(s, i % 2 == 0)

    def npm_publish_closed_mid_body(self, i):
        body = self.npm_body
        s = connect(self.port)
        s.sendall(raw_header("PUT", npm_path(self.pid, "@storm/cut"),
                             {**NPM_HEADERS, "Content-Length": len(body)}) + body[:len(body) // 2])
        drop(s, i % 2 == 0)

    def pypi_upload_closed_mid_body(self, i):
        body = self.pypi_body
        s = connect(self.port)
        s.sendall(raw_header("POST", pypi_path(self.pid),
                             {**PYPI_HEADERS, "Content-Length": len(body)}) + body[:len(body) // 2])
        drop(s, i % 2 == 0)

    def continue_then_gone(self, i):
        s = connect(self.port)
        path = generic_path(self.pid, "cont", "1.0", f"f{i}.bin")
        s.sendall(raw_header("PUT", path, {"Content-Length": 1 << 20,
                                           "Expect": "100-continue"}))
        s.recv(64)  # HTTP/1.1 100 Continue
        drop(s, i % 2 == 0)

    def kinds(self):
        return [self.reset_after_connect, self.half_header, self.request_reset_before_answer,
                self.download_closed_mid_file, self.generic_upload_closed_mid_body,
                self.npm_publish_closed_mid_body, self.pypi_upload_closed_mid_body,
                self.continue_then_gone]


def storm(c, binary):
    srv = Server(binary)
    data = os.path.join(srv.data, "d")
    try:
        pid = project(srv.port)
        big = os.urandom(8 << 20)
        status, _ = request(srv.port, "PUT", generic_path(pid, "big", "1.0", "big.bin"), big)
        assert status == 201, status
        # Every kind of answer once before the baseline (lists, a download), so that nothing
        # the server keeps on purpose is counted as a leak.
        for path in (f"/api/v4/projects/{pid}/packages", generic_path(pid, "big", "1.0", "big.bin")):
            status, _ = request(srv.port, "GET", path)
            assert status == 200, (path, status)
        baseline = settled_fd_count(srv.proc.pid)
        print(f"baseline: {baseline} descriptors", flush=True)

        s = Storm(srv.port, pid)
        started = time.monotonic()
        jobs = [(kind, i) for _ in range(ROUNDS) for kind in s.kinds() for i in range(PER_KIND)]
        random.Random(14).shuffle(jobs)
        errors = []
        peak = 0
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(kind, i) for kind, i in jobs]
            for n, f in enumerate(futures):
                try:
                    f.result()
                except OSError as e:  # the server may reset a connection it refused: fine
                    errors.append(repr(e))
                if n % 100 == 0:
                    peak = max(peak, fd_count(srv.proc.pid))
        print(f"storm: {len(jobs)} connections in {time.monotonic() - started:.1f} s, "
              f"{len(errors)} client-side errors, peak {peak} descriptors", flush=True)

        after = settled_fd_count(srv.proc.pid, want=baseline)
        c.check(after == baseline, f"descriptors back to the baseline: {baseline} -> {after}")
        left = temp_files(data)
        c.check(left == [], f"no temp file left: {left}")
        c.check(srv.proc.poll() is None, "the server is still running")
        status, body = request(srv.port, "GET", f"/api/v4/projects/{pid}/packages")
        names = sorted(p["name"] for p in json.loads(body)) if status == 200 else []
        c.check(status == 200 and names == ["big"],
                f"the list answers and holds nothing of the cut uploads: {status} {names}")
        status, body = request(srv.port, "GET", generic_path(pid, "big", "1.0", "big.bin"))
        c.check(status == 200 and hashlib.sha256(body).digest() == hashlib.sha256(big).digest(),
                f"the download's bytes are intact: {status}")
        status, _ = request(srv.port, "PUT", generic_path(pid, "after", "1.0", "a.bin"), b"after")
        c.check(status == 201, f"a new upload is stored: {status}")
        tgz = npm_tgz("@storm/ok", "1.0.0")
        status, _ = request(srv.port, "PUT", npm_path(pid, "@storm/ok"),
                            npm_publish_body("@storm/ok", "1.0.0", tgz), NPM_HEADERS)
        c.check(status == 200, f"an npm publish is stored: {status}")
        status, _ = request(srv.port, "POST", pypi_path(pid),
                            pypi_form("ok", "1.0", "ok-1.0.tar.gz", b"sdist"), PYPI_HEADERS)
        c.check(status == 201, f"a PyPI upload is stored: {status}")
    finally:
        srv.close()


def fitted_limit(c, binary):
    """--max-connections fits the open-file limit: 1,200 descriptors -> 600 connections."""
    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, 1200))

    data = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"packyard-fit-{os.getpid()}")
    os.makedirs(data, exist_ok=True)
    log_path = os.path.join(data, "server.log")
    proc = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--data", os.path.join(data, "d"),
         "--threads", "2"],
        stdout=subprocess.PIPE, stderr=open(log_path, "wb"), text=True, preexec_fn=low_limit,
        env=dict(os.environ, PACKYARD_ROOT_TOKEN=ROOT_TOKEN))
    held = []
    try:
        port = int(proc.stdout.readline().strip().rsplit(":", 1)[1])
        with open(log_path) as f:
            log = f.read()
        c.check("--max-connections lowered from 10000 to 600 (open-file limit 1200)" in log,
                f"the lowered limit is logged: {log!r}")
        for _ in range(600):
            held.append(connect(port))
        time.sleep(0.5)  # every one accepted
        over = connect(port)
        over.settimeout(5)
        answer = b""
        while True:
            chunk = over.recv(4096)
            if not chunk:
                break
            answer += chunk
        c.check(answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
                and answer.endswith(b'{"message":"503 Service Unavailable"}'),
                f"the 601st connection gets 503 and is closed: {answer[:60]!r}")
        held[0].sendall(b"GET /-/liveness HTTP/1.1\r\nHost: x\r\n\r\n")
        held[0].settimeout(5)
        c.check(held[0].recv(4096).startswith(b"HTTP/1.1 200"), "a held connection is served")
        for s in held:
            s.close()
        held = []
        time.sleep(0.3)
        status, _ = request(port, "GET", "/-/health")
        c.check(status == 200, f"once they close, a new connection is served: {status}")
    finally:
        for s in held:
            s.close()
        proc.kill()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)


def main(binary):
    c = Checks()
    storm(c, binary)
    fitted_limit(c, binary)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
