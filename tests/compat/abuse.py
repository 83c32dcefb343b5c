"""What the load and abuse tests share: plain HTTP requests, the bodies of a generic upload, an
npm publish and a PyPI upload as their clients send them, and what the server holds (its open
descriptors, its temp files)."""

import base64
import hashlib
import http.client
import io
import json
import os
import tarfile
import time

from harness import ROOT_TOKEN

AUTH = {"PRIVATE-TOKEN": ROOT_TOKEN}
BOUNDARY = "BoUnDaRy"


def request(port, method, path, body=None, headers=None, timeout=30):
    """One request on its own connection: (status, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={**AUTH, **(headers or {})})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def create(port, what, fields):
    status, body = request(port, "POST", f"/api/v4/{what}", json.dumps(fields),
                           {"Content-Type": "application/json"})
    assert status == 201, (what, status, body)
    return json.loads(body)["id"]


def project(port, name="p"):
    """A public group and a public project in it: the project's id."""
    gid = create(port, "groups", {"name": name + "g", "path": name + "g", "visibility": "public"})
    return create(port, "projects", {"name": name, "namespace_id": gid, "visibility": "public"})


def generic_path(pid, name, version, file_name):
    return f"/api/v4/projects/{pid}/packages/generic/{name}/{version}/{file_name}"


def npm_path(pid, name):
    return f"/api/v4/projects/{pid}/packages/npm/{name.replace('/', '%2f')}"


def npm_tarball_path(pid, name, version):
    return f"/api/v4/projects/{pid}/packages/npm/{name}/-/{name}-{version}.tgz"


def pypi_path(pid):
    return f"/api/v4/projects/{pid}/packages/pypi"


def npm_tgz(name, version, filler=b""):
    """A gzipped tar as npm pack writes one: package/package.json and package/index.js (with
    filler bytes appended, stored uncompressed-ish to take room)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz", compresslevel=1) as tar:
        for path, data in (("package/package.json",
                            json.dumps({"name": name, "version": version}).encode()),
                           ("package/index.js", b"module.exports = 1;\n" + filler)):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def npm_publish_body(name, version, tgz):
    """The JSON body of `npm publish`, the tarball in base64 under _attachments."""
    return json.dumps({
        "_id": name, "name": name, "dist-tags": {"latest": version},
        "versions": {version: {
            "name": name, "version": version,
            "dist": {"integrity": "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode(),
                     "shasum": hashlib.sha1(tgz).hexdigest(), "tarball": "http://x/y.tgz"}}},
        "access": None,
        "_attachments": {f"{name}-{version}.tgz": {
            "content_type": "application/octet-stream",
            "data": base64.b64encode(tgz).decode(), "length": len(tgz)}},
    }).encode()


NPM_HEADERS = {"Content-Type": "application/json", "npm-command": "publish"}
PYPI_HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def pypi_form(name, version, file_name, content):
    """twine's form: the fields, then the file part "content"."""
    parts = b""
    for k, v in ((":action", "file_upload"), ("name", name), ("version", version),
                 ("sha256_digest", hashlib.sha256(content).hexdigest()),
                 ("md5_digest", hashlib.md5(content).hexdigest())):
        parts += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n"
                  f"{v}\r\n").encode()
    parts += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"content\"; "
              f"filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    return parts + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def pypi_file_path(pid, sha256, file_name):
    return f"/api/v4/projects/{pid}/packages/pypi/files/{sha256}/{file_name}"


def raw_header(method, path, headers):
    """A request header as bytes, with root's token."""
    lines = [f"{method} {path} HTTP/1.1", "Host: x", f"PRIVATE-TOKEN: {ROOT_TOKEN}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def settled_fd_count(pid, want=None, timeout=15.0):
    """The server's descriptor count once it stops changing (or reaches want)."""
    deadline = time.monotonic() + timeout
    last, stable_since = fd_count(pid), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        n = fd_count(pid)
        if want is not None and n == want:
            return n
        if n != last:
            last, stable_since = n, time.monotonic()
        elif want is None and time.monotonic() - stable_since > 1.0:
            return n
    return fd_count(pid)


def temp_files(data):
    """Files in the server's temp folder (unfinished uploads)."""
    tmp = os.path.join(data, "tmp")
    return sorted(os.listdir(tmp)) if os.path.isdir(tmp) else []


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
