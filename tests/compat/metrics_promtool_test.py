#!/usr/bin/env python3
"""Prometheus' own linter on a scrape of /-/metrics: `promtool check metrics` (Debian's
prometheus package) must find nothing to say about what packyard serves after a few requests
of several kinds (an upload, a refused one, a 404, a list). promtool is first shown a text it
must refuse, so a promtool that passes everything cannot pass this test."""

import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

from harness import ROOT_TOKEN, Checks, Server


def request(url, method="GET", body=None, token=None, content_type=None):
    headers = {"PRIVATE-TOKEN": token} if token else {}
    if content_type:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def promtool(text):
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    return p.returncode, (p.stdout + p.stderr).strip()


PROMTOOL = shutil.which("promtool")


def main():
    checks = Checks()
    if PROMTOOL is None:
        print("promtool not found: install Debian's prometheus (bash scripts/deps.sh --tests)")
        return 1
    rc, said = promtool("# TYPE bad_count counter\nbad_count 1\n")
    checks.check(rc != 0 and "bad_count" in said, f"promtool refuses a bad text ({rc}: {said})")

    server = Server(sys.argv[1])
    try:
        api = server.url + "/api/v4"
        status, _, body = request(api + "/projects", "POST", b'{"name":"p","path":"p"}',
                                  ROOT_TOKEN, "application/json")
        checks.check(status == 201, f"create project: {status} {body}")
        pid = json.loads(body)["id"] if status == 201 else 0
        generic = f"{api}/projects/{pid}/packages/generic/pkg/1.0.0/"
        checks.check(request(generic + "a.txt", "PUT", b"hello", ROOT_TOKEN)[0] == 201, "upload")
        checks.check(request(generic + "b.txt", "PUT", b"x")[0] == 401, "anonymous upload")
        checks.check(request(f"{api}/projects/{pid}/packages", token=ROOT_TOKEN)[0] == 200,
                     "list")
        checks.check(request(server.url + "/nope")[0] == 404, "unknown path")
        request(server.url + "/-/metrics")  # so that the scrape below lists its route too
        status, headers, text = request(server.url + "/-/metrics")
        checks.check(status == 200, f"scrape: {status}")
        checks.check(headers.get("Content-Type") == "text/plain; version=0.0.4; charset=utf-8",
                     f"content type {headers.get('Content-Type')}")
        checks.check("packyard_http_requests_total{" in text and
                     "packyard_http_request_duration_seconds_bucket{" in text and
                     "packyard_writer_commit_duration_seconds_bucket{" in text,
                     "the scrape holds labelled counters and histograms")
        rc, said = promtool(text)
        checks.check(rc == 0 and said == "", f"promtool check metrics: {rc}: {said}")
    finally:
        server.close()
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
