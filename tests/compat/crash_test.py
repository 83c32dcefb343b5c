#!/usr/bin/env python3
"""Kills packyard with SIGKILL in the middle of concurrent uploads, package deletes, project
deletes and the cleanup that follows them, restarts it on the same data folder, and checks:
every acknowledged (201) upload is there with identical bytes, every acknowledged delete (204
for a package, 202 for a project) holds, whatever is visible in any project is complete and
correct (every file downloads with its stored sha256), no temp file is left, `packyard check`
finds every index, counter and blob in agreement with the rows (beside the restarted server,
whose cleanup is running), and once the cleanup has run no blob is unreferenced. Three
kill/restart cycles; then `check --repair` is refused while the server runs, and a check of the
stopped server's folder is clean."""

import hashlib
import http.client
import json
import os
import random
import sys
import threading
import time

from harness import ROOT_TOKEN, Checks, Server, check_store, plant_blob, stored_blobs

AUTH = {"PRIVATE-TOKEN": ROOT_TOKEN}


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
        assert status == 200, (status, body)
        items = json.loads(body)
        out += items
        if len(items) < 100:
            return out
        page += 1


def main(binary):
    c = Checks()
    srv = Server(binary)
    rng = random.Random(7)
    try:
        status, body = request(srv.port, "POST", "/api/v4/groups",
                               json.dumps({"name": "crash", "path": "crash", "visibility": "public"}),
                               {"Content-Type": "application/json"})
        gid = json.loads(body)["id"]
        status, body = request(srv.port, "POST", "/api/v4/projects",
                               json.dumps({"name": "p", "namespace_id": gid, "visibility": "public"}),
                               {"Content-Type": "application/json"})
        pid = json.loads(body)["id"]
        base = f"/api/v4/projects/{pid}/packages"
        acked_uploads = {}  # (name, version, file) -> sha256
        acked_deletes = set()
        acked_project_deletes = set()
        for cycle in range(3):
            # Projects to delete during the storm, with packages of their own and some bytes
            # shared with the main project (those must survive their deletion).
            doomed = []
            for j in range(4):
                status, body = request(srv.port, "POST", "/api/v4/projects",
                                       json.dumps({"name": f"doomed{cycle}-{j}", "namespace_id": gid,
                                                   "visibility": "public"}),
                                       {"Content-Type": "application/json"})
                assert status == 201, (status, body)
                dpid = json.loads(body)["id"]
                for i in range(5):
                    data = os.urandom(4096) if i else f"shared {cycle}".encode()
                    s, _ = request(srv.port, "PUT",
                                   f"/api/v4/projects/{dpid}/packages/generic/d{i}/1.0/d.bin", data)
                    assert s == 201
                doomed.append(dpid)
            s, _ = request(srv.port, "PUT", f"{base}/generic/shared{cycle}/1.0/s.bin",
                           f"shared {cycle}".encode())
            assert s == 201
            acked_uploads[(f"shared{cycle}", "1.0", "s.bin")] = hashlib.sha256(
                f"shared {cycle}".encode()).hexdigest()
            # Packages to delete during the storm.
            victims = []
            for i in range(12):
                name = f"victim{cycle}-{i}"
                s, _ = request(srv.port, "PUT", f"{base}/generic/{name}/1.0/v.bin", os.urandom(2048))
                assert s == 201
            for p in all_pages(srv.port, base):
                if p["name"].startswith(f"victim{cycle}-"):
                    victims.append(p["id"])
            lock = threading.Lock()
            stop = threading.Event()
            port = srv.port

            def uploader(n):
                k = 0
                while not stop.is_set():
                    k += 1
                    data = os.urandom(rng.randint(64 * 1024, 2 * 1024 * 1024))
                    key = (f"up{cycle}-{n}", f"1.{k}", "f.bin")
                    try:
                        s, _ = request(port, "PUT", f"{base}/generic/{key[0]}/{key[1]}/{key[2]}", data)
                    except OSError:
                        return
                    if s == 201:
                        with lock:
                            acked_uploads[key] = hashlib.sha256(data).hexdigest()

            def slow_uploader():
                # Sends half a body, then stalls: the kill cuts it mid-body.
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    conn.putrequest("PUT", f"{base}/generic/slow{cycle}/1.0/s.bin")
                    conn.putheader("PRIVATE-TOKEN", ROOT_TOKEN)
                    conn.putheader("Content-Length", str(4 * 1024 * 1024))
                    conn.endheaders()
                    for _ in range(20):
                        conn.send(os.urandom(100 * 1024))
                        time.sleep(0.1)
                except OSError:
                    pass

            def deleter(queue, path_of, acknowledged_status, acknowledged, pause):
                while not stop.is_set():
                    with lock:
                        if not queue:
                            return
                        item = queue.pop()
                    try:
                        s, _ = request(port, "DELETE", path_of(item))
                    except OSError:
                        return
                    if s == acknowledged_status:
                        with lock:
                            acknowledged.add(item)
                    time.sleep(pause)

            threads = [threading.Thread(target=uploader, args=(n,)) for n in range(6)]
            threads += [
                threading.Thread(target=slow_uploader),
                threading.Thread(target=deleter,
                                 args=(victims, lambda v: f"{base}/{v}", 204, acked_deletes, 0.05)),
                threading.Thread(target=deleter,
                                 args=(doomed, lambda d: f"/api/v4/projects/{d}", 202,
                                       acked_project_deletes, 0.2)),
            ]
            for t in threads:
                t.start()
            time.sleep(1.5)
            srv.kill()  # SIGKILL mid-stream
            stop.set()
            for t in threads:
                t.join(timeout=30)
            srv.start()

            tmp = os.path.join(srv.data, "d", "tmp")
            c.check(os.listdir(tmp) == [], f"cycle {cycle}: no temp file survives a restart")
            # Every index and counter as the rows imply, every row's blob whole (read and
            # hashed), no blob without a row: while the server serves and cleans up.
            code, out = check_store(binary, srv.data)
            c.check(code == 0, f"cycle {cycle}: packyard check after the restart exits 0:\n{out}")
            listed = {(p["name"], p["version"]): p for p in all_pages(srv.port, base)}
            for (name, version, fname), sha in acked_uploads.items():
                s, body = request(srv.port, "GET", f"{base}/generic/{name}/{version}/{fname}")
                c.check(s == 200 and hashlib.sha256(body).hexdigest() == sha,
                        f"cycle {cycle}: acknowledged upload {name}/{version} intact")
                c.check((name, version) in listed, f"cycle {cycle}: acknowledged {name}/{version} listed")
            for v in acked_deletes:
                s, _ = request(srv.port, "GET", f"{base}/{v}")
                c.check(s == 404, f"cycle {cycle}: acknowledged delete of {v} holds")
            for d in acked_project_deletes:
                s, _ = request(srv.port, "GET", f"/api/v4/projects/{d}")
                c.check(s == 404, f"cycle {cycle}: acknowledged delete of project {d} holds")
            # Whatever is visible in any project, acknowledged or not, is complete and correct.
            projects = [p["id"] for p in all_pages(srv.port, "/api/v4/projects")]
            for project in projects:
                pbase = f"/api/v4/projects/{project}/packages"
                for p in all_pages(srv.port, pbase):
                    for f in all_pages(srv.port, f"{pbase}/{p['id']}/package_files"):
                        s, body = request(srv.port, "GET",
                                          f"{pbase}/{p['id']}/package_files/{f['id']}/download")
                        c.check(s == 200 and len(body) == f["size"] and
                                hashlib.sha256(body).hexdigest() == f["file_sha256"],
                                f"cycle {cycle}: visible file {p['name']}/{f['file_name']} "
                                f"of project {project} is whole")
            # Once the cleanup has run, every blob on disk is referenced by a visible file.
            for _ in range(100):
                if not any(all_pages(srv.port, f"/api/v4/projects/{p}/packages?status=pending_destruction")
                           for p in projects):
                    break
                time.sleep(0.1)
            time.sleep(0.3)  # the cleanup's last unlinks follow its commit
            shas = set()
            for project in projects:
                pbase = f"/api/v4/projects/{project}/packages"
                for p in all_pages(srv.port, pbase):
                    for f in all_pages(srv.port, f"{pbase}/{p['id']}/package_files"):
                        shas.add(f["file_sha256"])
            blobs = stored_blobs(srv.data)  # DATA/blobs, or the objects under the S3 prefix
            c.check(blobs == shas, f"cycle {cycle}: blobs stored == referenced blobs "
                                   f"({len(blobs)} vs {len(shas)})")
        c.check(len(acked_uploads) > 0 and len(acked_deletes) > 0 and len(acked_project_deletes) > 0,
                f"the storm acknowledged work ({len(acked_uploads)} uploads, {len(acked_deletes)} "
                f"deletes, {len(acked_project_deletes)} project deletes)")
        code, out = check_store(binary, srv.data, "--repair")
        c.check(code == 2 and "stop the server" in out,
                f"check --repair is refused while the server holds the folder: {code} {out}")
        code = srv.stop()
        c.check(code == 0, "SIGTERM exits 0 after the cycles")
        code, out = check_store(binary, srv.data, "--format", "json")
        report = json.loads(out) if code in (0, 1) else {}
        c.check(code == 0 and report.get("problems") == 0 and not report.get("server_running"),
                f"the stopped server's folder is clean: {code} {out[-2000:]}")
        # What a crash with no restart would leave: an orphan and a temp file. The check finds
        # them (exit 1), the repair removes them (exit 0), and the folder is clean again.
        d = os.path.join(srv.data, "d")
        orphan_there = plant_blob(srv.data, "e" * 64, b"no row names me")
        with open(os.path.join(d, "tmp", "upload-1-1-left"), "wb") as f:
            f.write(b"half an upload")
        code, out = check_store(binary, srv.data, "--no-hashes")
        c.check(code == 1 and "orphan_blobs" in out and "temp_files" in out,
                f"check finds an orphan and a temp file: {code} {out[-1500:]}")
        code, out = check_store(binary, srv.data, "--repair")
        c.check(code == 0 and "removed orphan blobs: 1" in out and not orphan_there()
                and os.listdir(os.path.join(d, "tmp")) == [],
                f"check --repair removes them: {code} {out[-1500:]}")
        code, out = check_store(binary, srv.data, "--format", "xml")
        c.check(code == 2, f"a usage error exits 2: {code} {out}")
        code, out = check_store(binary, srv.data + "-absent")
        c.check(code == 2 and "no store" in out, f"no store exits 2: {code} {out}")
    finally:
        srv.close()
    return c.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
