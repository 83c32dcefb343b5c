#!/usr/bin/env python3
"""A full disk, for real: the server's data folder on a 64 MiB tmpfs (mounting one needs root;
the test is skipped, exit 77, otherwise). Uploads (generic PUT, npm publish, PyPI upload) fill
it; the one that cannot be stored answers 507 {"message":"507 Insufficient Storage"} and leaves
no temp file. With the disk full to the last page: every kind of upload, and writes that need
only LMDB pages (creating groups), answer 507; lists, downloads, the npm packument and the PyPI
simple page keep answering 200 with the right bytes (a download's time that cannot be recorded
does not stop it). An upload whose bytes fit but whose commit fails on ENOSPC takes its bytes
back out of the blob folder. The server restarts on the full disk, the store opens, reads pass;
once space is freed every kind of upload works again."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

from abuse import (NPM_HEADERS, PYPI_HEADERS, create, generic_path, npm_path, npm_publish_body,
                   npm_tarball_path, npm_tgz, project, pypi_file_path, pypi_form, pypi_path,
                   request, temp_files)
from harness import Checks, Server

SKIP = 77
FULL = b'{"message":"507 Insufficient Storage"}'


def files(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


class Uploads:
    """Generic, npm and PyPI uploads into one project; what was stored, for checking reads."""

    def __init__(self, port, pid):
        self.port = port
        self.pid = pid
        self.stored = {}  # path to download -> sha256 of the bytes

    def generic(self, name, data):
        path = generic_path(self.pid, name, "1.0", "f.bin")
        status, body = request(self.port, "PUT", path, data)
        if status == 201:
            self.stored[path] = hashlib.sha256(data).hexdigest()
        return status, body

    def npm(self, name, version, filler=b""):
        tgz = npm_tgz(name, version, filler)
        status, body = request(self.port, "PUT", npm_path(self.pid, name),
                               npm_publish_body(name, version, tgz), NPM_HEADERS)
        if status == 200:
            self.stored[npm_tarball_path(self.pid, name, version)] = hashlib.sha256(tgz).hexdigest()
        return status, body

    def pypi(self, name, version, data):
        file_name = f"{name}-{version}.tar.gz"
        status, body = request(self.port, "POST", pypi_path(self.pid),
                               pypi_form(name, version, file_name, data), PYPI_HEADERS)
        if status == 201:
            sha = hashlib.sha256(data).hexdigest()
            self.stored[pypi_file_path(self.pid, sha, file_name)] = sha
        return status, body

    def reads_pass(self, c, when):
        """Lists, every stored file's bytes, the npm packument and the PyPI simple page."""
        status, body = request(self.port, "GET", f"/api/v4/projects/{self.pid}/packages?per_page=100")
        c.check(status == 200 and len(json.loads(body)) > 0, f"{when}: the package list: {status}")
        status, _ = request(self.port, "GET", "/api/v4/groups")
        c.check(status == 200, f"{when}: the group list: {status}")
        for path, sha in self.stored.items():
            status, body = request(self.port, "GET", path)
            c.check(status == 200 and hashlib.sha256(body).hexdigest() == sha,
                    f"{when}: {path} downloads its bytes: {status}")
        status, body = request(self.port, "GET", npm_path(self.pid, "@full/keep"))
        c.check(status == 200 and b'"1.0.0"' in body, f"{when}: the npm packument: {status}")
        status, body = request(self.port, "GET", pypi_path(self.pid) + "/simple/keep")
        c.check(status == 200 and b"keep-1.0.tar.gz" in body, f"{when}: the PyPI page: {status}")


def fill_with_pages(folder):
    """Fills what is left of the file system with 4 KiB files (one tmpfs page each)."""
    n = 0
    block = os.urandom(4096)
    while True:
        path = os.path.join(folder, f"{n:06d}")
        try:
            with open(path, "wb") as f:
                f.write(block)
        except OSError:
            if os.path.exists(path):
                os.remove(path)
            return n
        n += 1


def run(c, binary, base, mnt):
    srv = Server(binary, data=base)
    try:
        pid = project(srv.port)
        up = Uploads(srv.port, pid)
        c.check(up.generic("keep", os.urandom(256 << 10))[0] == 201, "a generic upload")
        c.check(up.npm("@full/keep", "1.0.0")[0] == 200, "an npm publish")
        c.check(up.pypi("keep", "1.0", b"sdist bytes")[0] == 201, "a PyPI upload")

        # 1. Uploads of 4 MiB, of each kind in turn, until the disk is full.
        refused = None
        for i in range(40):
            data = os.urandom(4 << 20)
            status, body = [lambda: up.generic(f"fill{i}", data),
                            lambda: up.npm("@full/fill", f"1.0.{i}", data),
                            lambda: up.pypi("fill", f"1.0.{i}", data)][i % 3]()
            if status not in (200, 201):
                refused = (i, status, body)
                break
        print(f"the disk filled after {refused and refused[0]} uploads of 4 MiB", flush=True)
        c.check(refused is not None and refused[1] == 507 and refused[2] == FULL,
                f"the upload that does not fit answers 507: {refused and refused[1:]}")
        c.check(temp_files(mnt) == [], f"no temp file left: {temp_files(mnt)}")

        # 2. Full to the last page.
        filler_on_disk = os.path.join(mnt, "filler")
        os.makedirs(filler_on_disk)
        pages = fill_with_pages(filler_on_disk)
        c.check(os.statvfs(mnt).f_bavail == 0, f"the tmpfs is full ({pages} pages filled)")
        for what, (status, body) in (("generic PUT", up.generic("late", b"late bytes")),
                                     ("npm publish", up.npm("@full/late", "1.0.0")),
                                     ("PyPI upload", up.pypi("late", "1.0", b"late"))):
            c.check(status == 507 and body == FULL, f"{what} on a full disk: {status} {body!r}")
            c.check(temp_files(mnt) == [], f"{what}: no temp file left")
        # Writes that need only LMDB pages: the commit's pwrite gets ENOSPC sooner or later.
        groups_status = None
        for i in range(3000):
            status, body = request(srv.port, "POST", "/api/v4/groups",
                                   json.dumps({"name": f"group{i}", "path": f"group{i}",
                                               "description": "d" * 250}),
                                   {"Content-Type": "application/json"})
            if status != 201:
                groups_status = (i, status, body)
                break
        c.check(groups_status is not None and groups_status[1:] == (507, FULL),
                f"a group create whose commit cannot grow the store answers 507: {groups_status}")
        up.reads_pass(c, "on a full disk")

        # 3. An upload whose bytes fit (one page freed) but whose commit does not: its bytes
        # leave the blob folder again. Repeat until the commit is the one to fail.
        blobs = os.path.join(mnt, "blobs")
        commit_refused = 0
        fillers = files(filler_on_disk)
        for i in range(min(300, len(fillers))):
            os.remove(os.path.join(filler_on_disk, fillers[i]))
            before = files(blobs)
            with open(srv.log.name) as f:
                log_before = f.read()
            status, body = up.generic(f"page{i}", f"page {i}".encode())
            after = files(blobs)
            if status == 201:
                c.check(len(after) == len(before) + 1, "a stored upload adds its blob")
                continue
            c.check(status == 507 and body == FULL, f"an upload on a full disk: {status} {body!r}")
            c.check(after == before, f"a refused upload leaves no blob: {len(before)} -> {len(after)}")
            c.check(temp_files(mnt) == [], "a refused upload leaves no temp file")
            with open(srv.log.name) as f:
                new_lines = f.read()[len(log_before):]
            if "generic upload: No space left on device" in new_lines:
                commit_refused += 1
                if commit_refused == 3:
                    break
        print(f"{commit_refused} uploads refused at their commit", flush=True)
        c.check(commit_refused > 0, "an upload was refused at its commit (LMDB's ENOSPC)")
        up.reads_pass(c, "after refused commits")

        # 4. A restart on the full disk: the store opens, the sweep runs, reads pass.
        c.check(srv.stop() == 0, "SIGTERM on a full disk: exit status 0")
        srv.start()
        up.port = srv.port
        up.reads_pass(c, "after a restart on a full disk")
        # A delete is a write too: it may find room in the store's free pages, or not.
        status, body = request(srv.port, "GET", f"/api/v4/projects/{pid}/packages?package_name=fill0")
        doomed = [p["id"] for p in json.loads(body) if p["name"] == "fill0"][0]
        status, body = request(srv.port, "DELETE", f"/api/v4/projects/{pid}/packages/{doomed}")
        print(f"a package delete on a full disk: {status}", flush=True)
        c.check(status == 204 or (status == 507 and body == FULL),
                f"a package delete on a full disk: 204 or 507: {status} {body!r}")
        if status == 204:
            del up.stored[generic_path(pid, "fill0", "1.0", "f.bin")]

        # 5. Space freed: every kind of upload works again.
        shutil.rmtree(filler_on_disk)
        c.check(up.generic("again", os.urandom(1 << 20))[0] == 201, "a generic upload again")
        c.check(up.npm("@full/keep", "1.0.1")[0] == 200, "an npm publish again")
        c.check(up.pypi("keep", "1.1", b"more sdist bytes")[0] == 201, "a PyPI upload again")
        c.check(create(srv.port, "groups", {"name": "after", "path": "after"}) > 0, "a group again")
        up.reads_pass(c, "once space is freed")
        c.check(temp_files(mnt) == [], "no temp file left at the end")
        c.check(srv.stop() == 0, "SIGTERM: exit status 0")
    finally:
        srv.close()


def main(binary):
    if os.geteuid() != 0:
        print("SKIPPED: mounting a tmpfs needs root (CI runs the tests as root)")
        return SKIP
    base = tempfile.mkdtemp(prefix="packyard-full-")
    mnt = os.path.join(base, "d")
    os.makedirs(mnt)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        print(f"SKIPPED: cannot mount a tmpfs: {mounted.stderr.strip()}")
        return SKIP
    c = Checks()
    try:
        run(c, binary, base, mnt)
    finally:
        subprocess.run(["umount", mnt], check=False)
        shutil.rmtree(base, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
