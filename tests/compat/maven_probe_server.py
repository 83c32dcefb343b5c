#!/usr/bin/env python3
"""A throwaway Maven repository that logs every request, for watching what real Maven sends.

It is not packyard: it stands in for GitLab's Maven routes so that the client side (settings.xml,
plugin versions, the request sequence, the statuses Maven needs) can be worked out and checked
without the C++ server. Each request is logged as one JSON line (method, path, the headers that
matter, body size, status answered) to --log (or stderr).

Routes, all sharing one folder of files (so a project-level upload can be read back at group and
instance level):
  /api/v4/projects/<id>/packages/maven/<path>/<file>   GET, HEAD, PUT
  /api/v4/groups/<id>/-/packages/maven/<path>/<file>   GET, HEAD
  /api/v4/packages/maven/<path>/<file>                 GET, HEAD

Uploads follow GitLab's rules (lib/api/maven_packages.rb) unless --plain is given:
  PUT <file>.sha1  compared with the stored file's sha1: 204 if equal, 409 if not, 404 if no file;
                   not stored
  PUT <file>.md5   200, empty body, not stored
  PUT anything else (jar, pom, maven-metadata.xml, .sha256, .sha512, .asc) stored, 200
GETs of <file>.sha1 / <file>.md5 answer the stored file's hash as text; a file download carries
x-checksum-sha1 and x-checksum-md5. A missing file is 404 {"message":"404 Package Not Found"}.
With --plain every PUT is stored as is and every GET serves the stored bytes.

--auth none|token|basic:
  token  every request needs a Private-Token, Job-Token or Deploy-Token header equal to --token
  basic  every request needs Authorization: Basic <anything>:<--token>
  Without credentials the answer is GitLab's 401 {"message":"401 Unauthorized"} with
  WWW-Authenticate: Basic realm="GitLab Packages Registry" (both modes), wrong ones get 401 too.
  --anonymous-read lets GET/HEAD through without credentials (a public project).
  --no-challenge leaves WWW-Authenticate out of the 401 (to see that Maven then gives up).
--bad-checksums / --missing-checksums sha1,md5 serve wrong hashes or 404 for those checksum GETs
(to see that Maven's checksumPolicy fail catches them, and which it falls back to).

Prints "maven probe listening on http://127.0.0.1:<port>" on stdout once it accepts requests.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIXES = [
    (re.compile(r"^/api/v4/projects/[^/]+/packages/maven/(.+)$"), "project"),
    (re.compile(r"^/api/v4/groups/[^/]+/-/packages/maven/(.+)$"), "group"),
    (re.compile(r"^/api/v4/packages/maven/(.+)$"), "instance"),
]
LOGGED_HEADERS = ("Authorization", "Private-Token", "Job-Token", "Deploy-Token", "User-Agent",
                  "Content-Type", "Content-Length", "Transfer-Encoding", "Expect",
                  "Accept", "Accept-Encoding", "Cache-Control", "Pragma", "If-Modified-Since",
                  "Connection")


class Probe(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "maven-probe"

    # --- plumbing -------------------------------------------------------------------------
    def log_message(self, *args):  # the JSON log replaces the default access log
        pass

    def record(self, status, size):
        entry = {"method": self.command, "path": self.path, "status": status, "body": size}
        for h in LOGGED_HEADERS:
            v = self.headers.get(h)
            if v is not None:
                entry[h] = v
        self.server.record(entry)

    def answer(self, status, body=b"", ctype="application/json", extra=None, head=False):
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if body and not head and status != 204:
            self.wfile.write(body)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                line = self.rfile.readline().strip()
                n = int(line.split(b";")[0], 16)
                if n == 0:
                    while self.rfile.readline().strip():
                        pass
                    return bytes(out)
                out += self.rfile.read(n)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def maven_path(self):
        path = self.path.split("?", 1)[0]
        for rx, scope in PREFIXES:
            m = rx.match(path)
            if m:
                rel = m.group(1)
                parts = rel.split("/")
                if any(p in ("", ".", "..") for p in parts) or len(parts) < 2:
                    return scope, None
                return scope, rel
        return None, None

    def authorized(self):
        cfg = self.server.cfg
        if cfg.auth == "none":
            return True
        if cfg.anonymous_read and self.command in ("GET", "HEAD"):
            return True
        if cfg.auth == "token":
            return any(self.headers.get(h) == cfg.token
                       for h in ("Private-Token", "Job-Token", "Deploy-Token"))
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return False
            return password == cfg.token
        return False

    def unauthorized(self, head=False):
        extra = {} if self.server.cfg.no_challenge else {
            "WWW-Authenticate": 'Basic realm="GitLab Packages Registry"'}
        self.answer(401, b'{"message":"401 Unauthorized"}', extra=extra, head=head)
        return 401

    def not_found(self, head=False):
        self.answer(404, b'{"message":"404 Package Not Found"}', head=head)
        return 404

    # --- methods --------------------------------------------------------------------------
    def do_GET(self, head=False):
        size = 0
        scope, rel = self.maven_path()
        if not self.authorized():
            status = self.unauthorized(head)
        elif rel is None:
            status = self.not_found(head)
        else:
            status, size = self.serve(scope, rel, head)
        self.record(status, size)

    def do_HEAD(self):
        self.do_GET(head=True)

    def serve(self, scope, rel, head):
        root = self.server.cfg.root
        plain = self.server.cfg.plain
        fs = os.path.join(root, rel)  # every scope reads the same folder
        if not plain and (rel.endswith(".sha1") or rel.endswith(".md5")):
            base, ext = rel.rsplit(".", 1)
            data = self.server.read(os.path.join(root, base))
            if data is None:
                return self.not_found(head), 0
            if ext in self.server.cfg.missing_checksums:
                return self.not_found(head), 0
            if ext in self.server.cfg.bad_checksums:
                data = data + b"corrupted"
            digest = (hashlib.sha1 if ext == "sha1" else hashlib.md5)(data).hexdigest().encode()
            self.answer(200, digest, "text/plain", head=head)
            return 200, 0
        data = self.server.read(fs)
        if data is None:
            return self.not_found(head), 0
        extra = {"Content-Disposition": 'attachment; filename="%s"' % os.path.basename(rel)}
        if not plain:
            extra["x-checksum-sha1"] = hashlib.sha1(data).hexdigest()
            extra["x-checksum-md5"] = hashlib.md5(data).hexdigest()
        self.answer(200, data, "application/octet-stream", extra=extra, head=head)
        return 200, 0

    def do_PUT(self):
        body = self.read_body()
        scope, rel = self.maven_path()
        if not self.authorized():
            status = self.unauthorized()
        elif rel is None or scope != "project":
            status = self.not_found()
        else:
            status = self.store(rel, body)
        self.record(status, len(body))

    def store(self, rel, body):
        root = self.server.cfg.root
        status = self.server.cfg.put_status
        if not re.fullmatch(r"[A-Za-z0-9._\-+]+", rel.rsplit("/", 1)[1]):
            self.answer(400, b'{"message":"400 Bad request - file_name is invalid"}')
            return 400
        if not self.server.cfg.plain:
            if rel.endswith(".md5"):
                self.answer(200, b"", "application/json")
                return 200
            if rel.endswith(".sha1"):
                stored = self.server.read(os.path.join(root, rel[:-5]))
                if stored is None:
                    return self.not_found()
                if hashlib.sha1(stored).hexdigest().encode() == body:
                    self.answer(204)
                    return 204
                self.answer(409, b'{"message":"409 Conflict"}')
                return 409
        self.server.write(os.path.join(root, rel), body)
        self.answer(status, b"{}" if status != 204 else b"")
        return status

    def do_POST(self):
        self.read_body()
        self.answer(405, b'{"message":"405 Method Not Allowed"}')
        self.record(405, 0)

    do_DELETE = do_POST


class ProbeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, cfg):
        super().__init__(("127.0.0.1", cfg.port), Probe)
        self.cfg = cfg
        self.lock = threading.Lock()
        self.log = open(cfg.log, "a") if cfg.log else sys.stderr

    def record(self, entry):
        with self.lock:
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()

    def read(self, path):
        with self.lock:
            try:
                with open(path, "rb") as f:
                    return f.read()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                return None

    def write(self, path, data):
        with self.lock:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", required=True, help="folder the files are stored in")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", help="JSON-lines request log (default: stderr)")
    ap.add_argument("--auth", choices=("none", "token", "basic"), default="none")
    ap.add_argument("--token", default="glpat-probe-token")
    ap.add_argument("--anonymous-read", action="store_true")
    ap.add_argument("--plain", action="store_true", help="store every PUT, no GitLab checksum rules")
    ap.add_argument("--bad-checksums", default="", help="sha1,md5: serve wrong hashes for these")
    ap.add_argument("--missing-checksums", default="", help="sha1,md5: answer 404 for these")
    ap.add_argument("--no-challenge", action="store_true", help="401 without WWW-Authenticate")
    ap.add_argument("--put-status", type=int, default=200, help="status for a stored PUT")
    cfg = ap.parse_args()
    cfg.bad_checksums = set(filter(None, cfg.bad_checksums.split(",")))
    cfg.missing_checksums = set(filter(None, cfg.missing_checksums.split(",")))
    os.makedirs(cfg.root, exist_ok=True)
    srv = ProbeServer(cfg)
    print(f"maven probe listening on http://127.0.0.1:{srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
