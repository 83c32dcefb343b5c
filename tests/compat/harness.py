"""Starts the packyard binary for the Python tests, as tests/support does for C++ ones.

PACKYARD_TEST_SERVER_ARGS (shell words) is appended to every `packyard serve` started here, with
`{unique}` replaced by a name derived from the data folder's path (unique_for: the same folder
always gives the same name, so a restarted server sees what it stored). tests/s3/suite.sh sets it
to run these tests against the S3 blob backend (`--blob-store s3 ... --s3-prefix t-{unique}/`);
`packyard check` gets the blob-store words of it (store_args)."""

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

ROOT_TOKEN = "glpat-compat-root-token-000000"


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def unique_for(data):
    """[a-z0-9-] name of a data folder: its last two path components and a hash of the whole
    absolute path (tests/support/packyard_server.cpp computes the same)."""
    path = os.path.abspath(data)
    tail = "-".join(p for p in path.split("/")[-2:] if p)
    readable = re.sub(r"[^a-z0-9]+", "-", tail.lower()).strip("-")[:40].strip("-")
    return f"{readable}-{fnv1a64(path.encode()) & 0xFFFFFFFFFFFF:012x}"


def server_args(data):
    """PACKYARD_TEST_SERVER_ARGS's words for a server on the data folder `data`."""
    words = shlex.split(os.environ.get("PACKYARD_TEST_SERVER_ARGS", ""))
    if not any("{unique}" in w for w in words):
        return words
    u = unique_for(data)
    return [w.replace("{unique}", u) for w in words]


def store_args(data):
    """The words of server_args(data) that choose and configure the blob store (--blob-store and
    --s3-*, each with its value, and --blob-direct-download), for the other subcommands run on
    the same folder: `packyard check` reads the blobs but takes none of the server's own
    options."""
    out, words, i = [], server_args(data), 0
    while i < len(words):
        w = words[i]
        name = w.split("=", 1)[0]
        if name == "--blob-direct-download":
            out.append(w)
        elif name == "--blob-store" or name.startswith("--s3-"):
            out.append(w)
            if "=" not in w and i + 1 < len(words):
                out.append(words[i + 1])
                i += 1
        i += 1
    return out


def s3_store(folder):
    """(client, bucket, prefix) of the S3 blob store a server on the data folder `folder` uses
    when PACKYARD_TEST_SERVER_ARGS selects it (tests/s3/s3_client.py; credentials from the
    options, else the environment), or None for the local store."""
    args, opts = store_args(folder), {}
    for i, w in enumerate(args):
        if w.startswith("--"):
            k, eq, v = w.partition("=")
            opts[k] = v if eq else (args[i + 1] if i + 1 < len(args) else "")
    if opts.get("--blob-store") != "s3":
        return None
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "s3"))
    from s3_client import S3
    env = dict(os.environ)
    for flag, var in (("--s3-endpoint", "S3_ENDPOINT"),
                      ("--s3-access-key-id", "AWS_ACCESS_KEY_ID"),
                      ("--s3-secret-access-key", "AWS_SECRET_ACCESS_KEY"),
                      ("--s3-region", "AWS_REGION")):
        if flag in opts:
            env[var] = opts[flag]
    return S3.from_env(env), opts["--s3-bucket"], opts.get("--s3-prefix", "blobs/")


def stored_blobs(data):
    """The SHA-256 names of the blobs a Server's data folder holds: the files of DATA/blobs, or
    with the S3 backend the objects under its prefix named by a content address (keys PREFIX +
    sha[0:2] + "/" + sha; not PREFIX + "owner", the folder's claim on the prefix)."""
    folder = os.path.join(data, "d")
    s3 = s3_store(folder)
    if s3 is None:
        return set(os.listdir(os.path.join(folder, "blobs")))
    client, bucket, prefix = s3
    address = re.compile(re.escape(prefix) + r"([0-9a-f]{2})/(\1[0-9a-f]{62})")
    return {m.group(2) for m in map(address.fullmatch, client.list_keys(bucket, prefix)) if m}


def plant_blob(data, sha, content):
    """Stores a blob no row names (what a crash between storing and recording leaves), where the
    Server's backend keeps blobs; returns a function telling whether it is still there."""
    folder = os.path.join(data, "d")
    s3 = s3_store(folder)
    if s3 is None:
        path = os.path.join(folder, "blobs", sha)
        with open(path, "wb") as f:
            f.write(content)
        return lambda: os.path.exists(path)
    client, bucket, prefix = s3
    key = f"{prefix}{sha[:2]}/{sha}"
    status = client.put(bucket, key, content)
    if status != 200:
        raise RuntimeError(f"PUT {bucket}/{key}: {status}")
    return lambda: client.request("HEAD", f"/{bucket}/{key}")[0] == 200


class Server:
    def __init__(self, binary, data=None, extra=()):
        self.binary = binary
        self.owned = data is None
        self.data = data or tempfile.mkdtemp(prefix="packyard-compat-")
        self.extra = list(extra)
        self.proc = None
        try:
            self.start()
        except BaseException:
            self.close()  # a start refused (a bad option, an unreachable bucket) leaves nothing
            raise

    def start(self):
        env = dict(os.environ, PACKYARD_ROOT_TOKEN=ROOT_TOKEN)
        self.log = open(os.path.join(self.data, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--listen", "127.0.0.1:0", "--data", os.path.join(self.data, "d"),
             "--threads", "2"] + self.extra + server_args(os.path.join(self.data, "d")),
            stdout=subprocess.PIPE, stderr=self.log, env=env, text=True)
        line = self.proc.stdout.readline()
        if "packyard listening on http://127.0.0.1:" not in line:
            self.log.flush()
            with open(os.path.join(self.data, "server.log"), errors="replace") as f:
                tail = f.read()[-2000:]
            raise RuntimeError("server did not start: " + line + tail)
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
    folder = os.path.join(data, "d")
    r = subprocess.run([binary, "check", "--data", folder, *args, *store_args(folder)],
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
