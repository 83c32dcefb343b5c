"""Starts the packyard binary for the Python tests, as tests/support does for C++ ones."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import urllib.error
import urllib.request

ROOT_TOKEN = "glpat-compat-root-token-000000"


class Server:
    def __init__(self, binary, data=None, extra=()):
        self.binary = binary
        self.owned = data is None
        self.data = data or tempfile.mkdtemp(prefix="packyard-compat-")
        self.extra = list(extra)
        self.proc = None
        self.start()

    def start(self):
        env = dict(os.environ, PACKYARD_ROOT_TOKEN=ROOT_TOKEN)
        self.log = open(os.path.join(self.data, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--listen", "127.0.0.1:0", "--data", os.path.join(self.data, "d"),
             "--threads", "2"] + self.extra,
            stdout=subprocess.PIPE, stderr=self.log, env=env, text=True)
        line = self.proc.stdout.readline()
        if "packyard listening on http://127.0.0.1:" not in line:
            raise RuntimeError("server did not start: " + line)
        self.port = int(line.strip().rsplit(":", 1)[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=20)

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=20)

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.kill()
        if self.owned:
            shutil.rmtree(self.data, ignore_errors=True)


class Api:
    """The REST API as a JSON client: (status, decoded body) of one call, errors included."""

    def __init__(self, url, token):
        self.url = url
        self.token = token

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + "/api/v4" + path, data=data, method=method,
                                     headers={"PRIVATE-TOKEN": self.token,
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw) if raw else None
            except ValueError:
                return e.code, raw.decode(errors="replace")


def check_store(binary, data, *args, timeout=300):
    """Runs `packyard check` on a Server's data folder; returns (exit status, stdout + stderr)."""
    r = subprocess.run([binary, "check", "--data", os.path.join(data, "d"), *args],
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


class Checks:
    """Counts checks and prints the closing line CI reads ("N passed, N failed")."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAILED: {what}", flush=True)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 0 if self.failed == 0 else 1
