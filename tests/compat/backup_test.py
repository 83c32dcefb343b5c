#!/usr/bin/env python3
"""`packyard backup` beside a running server, then `packyard restore`, driven as an operator would.

A store is filled through the HTTP API (generic packages, npm publishes, PyPI uploads), some
packages are deleted, then `packyard backup` runs while one thread keeps uploading and another
keeps deleting. The backup stops right after its snapshot (PACKYARD_BACKUP_PAUSE, a test-only
hook) while the test deletes packages the snapshot holds and waits for the server's cleanup to
unlink their blobs: the files must stay on disk until the backup has copied them, and go once it
is done. Then the backup is restored into an empty folder and a server started on it must serve
every file of the snapshot with its sha256: uploads acknowledged before the backup began, the
packages deleted after the snapshot; deletes acknowledged before it stay deleted and uploads
begun after it are absent. Refusals: a non-empty --to, a non-empty --data, a backup without its
manifest, with a changed or missing blob."""

import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

from harness import ROOT_TOKEN, Checks, Server

AUTH = {"PRIVATE-TOKEN": ROOT_TOKEN}
BASIC = {"Authorization": "Basic " + base64.b64encode(f"__token__:{ROOT_TOKEN}".encode()).decode()}


def request(port, method, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={**AUTH, **(headers or {})})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def all_pages(port, path):
    out, page = [], 1
    while True:
        sep = "&" if "?" in path else "?"
        status, body = request(port, "GET", f"{path}{sep}per_page=100&page={page}")
        assert status == 200, (path, status, body)
        items = json.loads(body)
        out += items
        if len(items) < 100:
            return out
        page += 1


def npm_body(name, version):
    """npm publish's JSON: the tarball (package/package.json inside) base64 in _attachments."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for path, text in (("package/package.json",
                            json.dumps({"name": name, "version": version, "main": "index.js"})),
                           ("package/index.js", f"module.exports = {version!r};\n")):
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    tgz = gzip.compress(raw.getvalue())
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()
    key = f"{name}-{version}.tgz"
    return json.dumps({
        "_id": name, "name": name, "dist-tags": {"latest": version},
        "versions": {version: {"name": name, "version": version,
                               "dist": {"integrity": integrity,
                                        "shasum": hashlib.sha1(tgz).hexdigest(),
                                        "tarball": f"http://x/{key}"}}},
        "_attachments": {key: {"content_type": "application/octet-stream",
                               "data": base64.b64encode(tgz).decode(), "length": len(tgz)}},
    })


def pypi_form(name, version, file_name, content):
    fields = {":action": "file_upload", "name": name, "version": version,
              "sha256_digest": hashlib.sha256(content).hexdigest(),
              "md5_digest": hashlib.md5(content).hexdigest(), "requires_python": ">=3.8"}
    body = b""
    for k, v in fields.items():
        body += f'--BoUnDaRy\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    body += (f'--BoUnDaRy\r\nContent-Disposition: form-data; name="content"; filename="{file_name}"'
             "\r\nContent-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n"
    return body + b"--BoUnDaRy--\r\n"


def run(binary, *args, env=None):
    return subprocess.run([binary, *args], capture_output=True, text=True, env=env, timeout=120)


def wait_for(cond, seconds):
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def main(binary):
    c = Checks()
    work = tempfile.mkdtemp(prefix="packyard-backup-test-")
    srv = Server(binary)
    restored_srv = None
    try:
        port = srv.port
        json_h = {"Content-Type": "application/json"}
        s, body = request(port, "POST", "/api/v4/groups",
                          json.dumps({"name": "bk", "path": "bk", "visibility": "public"}), json_h)
        gid = json.loads(body)["id"]
        s, body = request(port, "POST", "/api/v4/projects",
                          json.dumps({"name": "p", "namespace_id": gid, "visibility": "public"}), json_h)
        pid = json.loads(body)["id"]
        base = f"/api/v4/projects/{pid}/packages"

        def generic_path(name, version, fname="f.bin"):
            return f"{base}/generic/{name}/{version}/{fname}"

        def put(name, version, data):
            return request(port, "PUT", generic_path(name, version), data)[0]

        # The fill: generic packages (a few sharing bytes), npm and PyPI packages.
        stored = {}  # (name, version) -> sha256 of its one generic file
        for i in range(40):
            data = b"shared bytes" if i % 10 == 0 else os.urandom(1000 + 97 * i)
            c.check(put(f"g{i}", "1.0", data) == 201, f"upload g{i}")
            stored[(f"g{i}", "1.0")] = hashlib.sha256(data).hexdigest()
        for v in ("1.0.0", "1.1.0"):
            s, body = request(port, "PUT", f"{base}/npm/@bk%2flib", npm_body("@bk/lib", v),
                              {**json_h, "npm-command": "publish"})
            c.check(s == 200, f"npm publish @bk/lib {v} ({s} {body[:200]!r})")
        for v in ("1.0", "2.0"):
            content = os.urandom(3000)
            s, body = request(port, "POST", f"{base}/pypi",
                              pypi_form("bk-tool", v, f"bk_tool-{v}.tar.gz", content),
                              {**BASIC, "Content-Type": "multipart/form-data; boundary=BoUnDaRy"})
            c.check(s == 201, f"PyPI upload bk-tool {v} ({s} {body[:200]!r})")

        ids = {(p["name"], p["version"]): p["id"] for p in all_pages(port, base)}
        # Deleted before the backup: gone from the snapshot.
        deleted_before = [(f"g{i}", "1.0") for i in (1, 2, 3)]
        for key in deleted_before:
            c.check(request(port, "DELETE", f"{base}/{ids[key]}")[0] == 204, f"delete {key}")
        # Deleted after the snapshot, while the backup is paused: in the snapshot, bytes unique.
        victims = [(f"g{i}", "1.0") for i in (4, 5, 6, 7)]
        # Deleted all along by the deleter thread.
        churn = [(f"g{i}", "1.0") for i in range(20, 40) if i % 10]
        lock = threading.Lock()
        uploads = []  # (name, version, sha256, started, acknowledged or None)
        deletes = []  # ((name, version), started, acknowledged or None)
        stop = threading.Event()

        def uploader(n):
            k = 0
            while not stop.is_set():
                k += 1
                data = os.urandom(2048 + k)
                started = time.monotonic()
                try:
                    s = put(f"live{n}", f"1.{k}", data)
                except OSError:
                    s = 0
                with lock:
                    uploads.append((f"live{n}", f"1.{k}", hashlib.sha256(data).hexdigest(), started,
                                    time.monotonic() if s == 201 else None))
                time.sleep(0.02)

        def deleter():
            for key in churn:
                if stop.is_set():
                    return
                started = time.monotonic()
                try:
                    s, _ = request(port, "DELETE", f"{base}/{ids[key]}")
                except OSError:
                    s = 0
                with lock:
                    deletes.append((key, started, time.monotonic() if s == 204 else None))
                time.sleep(0.15)

        threads = [threading.Thread(target=uploader, args=(n,)) for n in range(2)]
        threads.append(threading.Thread(target=deleter))
        for t in threads:
            t.start()
        time.sleep(0.5)

        backup_dir = os.path.join(work, "backup")
        gate = os.path.join(work, "gate")
        backup_began = time.monotonic()
        proc = subprocess.Popen([binary, "backup", "--data", os.path.join(srv.data, "d"),
                                 "--to", backup_dir],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, PACKYARD_BACKUP_PAUSE=gate))
        c.check(wait_for(lambda: os.path.exists(gate + ".reached"), 60), "the backup took its snapshot")
        snapshot_seen = time.monotonic()
        # The race: deletes of packages the snapshot holds commit, the cleanup unlinks their
        # blobs... or rather keeps them while the backup holds its lock.
        for key in victims:
            c.check(request(port, "DELETE", f"{base}/{ids[key]}")[0] == 204,
                    f"delete {key} during the backup")
        victim_ids = {ids[key] for key in victims}
        c.check(wait_for(lambda: not any(p["id"] in victim_ids for p in
                                         all_pages(port, f"{base}?status=pending_destruction")), 20),
                "the cleanup ran during the backup")
        time.sleep(0.5)  # the cleanup's unlinks follow its commit
        blobs = os.path.join(srv.data, "d", "blobs")
        for key in victims:
            c.check(os.path.exists(os.path.join(blobs, stored[key])),
                    f"{key}'s blob stays while the backup may still copy it")
        with lock:
            during = sum(1 for u in uploads if u[4] is not None and u[3] > snapshot_seen)
        c.check(during > 0, f"uploads answer during the backup ({during} acknowledged)")

        open(gate, "w").close()
        out, err = proc.communicate(timeout=120)
        c.check(proc.returncode == 0, f"backup exits 0 ({proc.returncode}: {err.strip()})")
        c.check(out.startswith("backed up ") and " blobs (" in out, f"backup says what it did: {out!r}")
        c.check(wait_for(lambda: not any(os.path.exists(os.path.join(blobs, stored[k]))
                                         for k in victims), 10),
                "the blobs kept for the backup go once it is done")
        stop.set()
        for t in threads:
            t.join(timeout=30)

        manifest = open(os.path.join(backup_dir, "manifest")).read().splitlines()
        c.check(manifest[0] == "packyard-backup 1" and manifest[-1] == "end", "a finished manifest")
        blob_lines = [line.split() for line in manifest if line.startswith("blob ")]
        c.check(sorted(os.listdir(os.path.join(backup_dir, "blobs"))) == sorted(b[1] for b in blob_lines),
                "the backup holds exactly the blobs its manifest lists")

        # Refusals.
        r = run(binary, "backup", "--data", os.path.join(srv.data, "d"), "--to", backup_dir)
        c.check(r.returncode == 3 and "is not empty" in r.stderr, f"a non-empty --to is refused: {r.stderr!r}")
        r = run(binary, "restore", "--from", backup_dir, "--data", os.path.join(srv.data, "d"))
        c.check(r.returncode == 3 and "is not empty" in r.stderr,
                f"a restore onto a store is refused: {r.stderr!r}")
        r = run(binary, "backup", "--data", os.path.join(srv.data, "d"))
        c.check(r.returncode == 2 and "--to" in r.stderr, f"a missing option is a usage error: {r.stderr!r}")
        for what, damage in (
                ("no manifest", lambda d: os.remove(os.path.join(d, "manifest"))),
                ("a blob changed", lambda d: open(os.path.join(d, "blobs", stored[("g8", "1.0")]), "ab").write(b"!")),
                ("a blob missing", lambda d: os.remove(os.path.join(d, "blobs", stored[("g9", "1.0")])))):
            copy = os.path.join(work, "damaged")
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(backup_dir, copy)
            damage(copy)
            target = os.path.join(work, "nowhere")
            r = run(binary, "restore", "--from", copy, "--data", target)
            c.check(r.returncode == 4 and "is refused: " in r.stderr and not os.path.exists(target),
                    f"{what}: restore refuses it ({r.returncode}: {r.stderr.strip()})")

        # Restore, then serve.
        r = run(binary, "restore", "--from", backup_dir, "--data", os.path.join(work, "r", "d"))
        c.check(r.returncode == 0 and r.stdout.startswith("restored "),
                f"restore exits 0 ({r.returncode}: {r.stderr.strip()})")
        c.check(sorted(os.listdir(os.path.join(work, "r", "d", "blobs"))) ==
                sorted(b[1] for b in blob_lines), "the restored blobs are the backup's")
        srv.stop()
        restored_srv = Server(binary, data=os.path.join(work, "r"))
        rport = restored_srv.port

        def fetch(key, fname="f.bin"):
            return request(rport, "GET", f"/api/v4/projects/{pid}/packages/generic/{key[0]}/{key[1]}/{fname}")

        for key, sha in stored.items():
            s, body = fetch(key)
            if key in deleted_before:
                c.check(s == 404, f"{key}, deleted before the backup, stays deleted")
            elif key in victims:
                c.check(s == 200 and hashlib.sha256(body).hexdigest() == sha,
                        f"{key}, deleted after the snapshot, is restored whole")
        for key, started, acked in deletes:
            s, body = fetch(key)
            if acked is not None and acked < backup_began:
                c.check(s == 404, f"{key}, deleted before the backup, stays deleted")
            elif started > snapshot_seen:
                c.check(s == 200 and hashlib.sha256(body).hexdigest() == stored[key],
                        f"{key}, deleted after the snapshot, is restored whole")
        before = after = 0
        for name, version, sha, started, acked in uploads:
            s, body = fetch((name, version))
            if acked is not None and acked < backup_began:
                before += 1
                c.check(s == 200 and hashlib.sha256(body).hexdigest() == sha,
                        f"{name}/{version}, uploaded before the backup, is restored whole")
            elif started > snapshot_seen:
                after += 1
                c.check(s == 404, f"{name}/{version}, uploaded after the snapshot, is absent")
        c.check(before > 0 and after > 0, f"uploads on both sides of the snapshot ({before}, {after})")
        # Whatever the restored store shows downloads with its sha256: npm and PyPI files too.
        files = 0
        types = set()
        for p in all_pages(rport, base):
            types.add(p["package_type"])
            for f in all_pages(rport, f"{base}/{p['id']}/package_files"):
                s, body = request(rport, "GET", f"{base}/{p['id']}/package_files/{f['id']}/download")
                files += 1
                c.check(s == 200 and hashlib.sha256(body).hexdigest() == f["file_sha256"],
                        f"restored {p['name']}/{f['file_name']} downloads with its sha256")
        c.check(types == {"generic", "npm", "pypi"}, f"every package type is restored ({types})")
        print(f"{files} restored files checked; {len(uploads)} uploads and {len(deletes)} deletes "
              "ran beside the backup")
        c.check(restored_srv.stop() == 0, "the restored server stops cleanly")
    finally:
        srv.close()
        if restored_srv:
            restored_srv.close()
        shutil.rmtree(work, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
