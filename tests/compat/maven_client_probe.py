#!/usr/bin/env python3
"""Runs real Maven (through maven_harness) against maven_probe_server.py and prints every request
Maven makes, step by step: deploy:deploy-file of two releases and a SNAPSHOT twice with a
Private-Token header and with Basic auth (the 401 challenge), dependency:get / dependency:copy
into empty local repositories from project, group and instance URLs with checksumPolicy fail,
and the failures Maven must show (a wrong .sha1, a 401 without WWW-Authenticate).

Not a ctest entry: a tool for whoever implements or changes the Maven routes, to see what the
client sends and needs. Usage: tests/compat/maven_client_probe.py [--keep] [--json]
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import Checks  # noqa: E402
from maven_harness import (dependency_copy, dependency_get, deploy_file, local_file,  # noqa: E402
                           make_artifact, write_settings)

TOKEN = "glpat-probe-token"
G, A = "com.acme", "demo"


class Probe:
    def __init__(self, work, name, *args):
        self.root = os.path.join(work, name + "-files")
        self.log = os.path.join(work, name + ".jsonl")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "maven_probe_server.py"), "--root", self.root,
             "--log", self.log, "--token", TOKEN, *args], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError("probe server did not start: " + line)
        self.url = line.strip().rsplit(" ", 1)[1]
        self.seen = 0

    def project(self, pid=1):
        return f"{self.url}/api/v4/projects/{pid}/packages/maven"

    def group(self, gid=1):
        return f"{self.url}/api/v4/groups/{gid}/-/packages/maven"

    def instance(self):
        return f"{self.url}/api/v4/packages/maven"

    def new_requests(self):
        with open(self.log) as f:
            lines = f.readlines()
        out = [json.loads(x) for x in lines[self.seen:]]
        self.seen = len(lines)
        return out

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def show(title, proc, reqs, as_json):
    print(f"\n== {title}: mvn exit {proc.returncode}")
    for r in reqs:
        if as_json:
            print("  " + json.dumps(r))
            continue
        auth = ("Basic" if r.get("Authorization", "").startswith("Basic") else
                "Private-Token" if "Private-Token" in r else
                "Job-Token" if "Job-Token" in r else "-")
        path = r["path"].split("/packages/maven/", 1)[-1]
        extra = " Expect:100-continue" if r.get("Expect") else ""
        print(f"  {r['method']:4} {r['status']} {auth:13} {path}  (body {r['body']}){extra}")
    if proc.returncode != 0:
        tail = [x for x in proc.stdout.splitlines() if "[ERROR]" in x][:3]
        print("  " + "\n  ".join(tail))


def main():
    keep = "--keep" in sys.argv
    as_json = "--json" in sys.argv
    work = tempfile.mkdtemp(prefix="maven-probe-")
    c = Checks()
    probes = []
    try:
        art = os.path.join(work, "artifacts")
        files = {v: make_artifact(art, G, A, v) for v in ("1.0", "1.1", "1.2-SNAPSHOT")}
        deploys = ["1.0", "1.1", "1.2-SNAPSHOT", "1.2-SNAPSHOT"]

        # Header auth: every request carries Private-Token; the server refuses requests without.
        tok = Probe(work, "token", "--auth", "token")
        probes.append(tok)
        s_tok = write_settings(os.path.join(work, "s-token"), token=TOKEN)
        for i, v in enumerate(deploys):
            p = deploy_file(s_tok, os.path.join(work, "m2-deploy"), tok.project(), *files[v])
            reqs = tok.new_requests()
            show(f"deploy-file {v} (#{i + 1}) with Private-Token", p, reqs, as_json)
            c.check(p.returncode == 0, f"deploy {v} with Private-Token")
            c.check(all(r.get("Private-Token") == TOKEN for r in reqs), "token on every request")

        # Basic: PUTs carry credentials up front, the first GET goes without and needs the 401.
        basic = Probe(work, "basic", "--auth", "basic")
        probes.append(basic)
        s_basic = write_settings(os.path.join(work, "s-basic"), username="alice", password=TOKEN)
        for i, v in enumerate(deploys):
            p = deploy_file(s_basic, os.path.join(work, "m2-deploy"), basic.project(), *files[v])
            reqs = basic.new_requests()
            show(f"deploy-file {v} (#{i + 1}) with Basic", p, reqs, as_json)
            c.check(p.returncode == 0, f"deploy {v} with Basic")

        # Resolution into empty local repositories, checksums checked (policy fail).
        for scope, url in (("project", tok.project()), ("group", tok.group()),
                           ("instance", tok.instance())):
            for v in ("1.0", "1.2-SNAPSHOT"):
                s = write_settings(os.path.join(work, f"s-get-{scope}"), url=url, token=TOKEN)
                repo = os.path.join(work, f"m2-get-{scope}-{v}")
                p = dependency_get(s, repo, f"{G}:{A}:{v}")
                show(f"dependency:get {v} from {scope} URL with Private-Token", p,
                     tok.new_requests(), as_json)
                c.check(p.returncode == 0, f"get {v} from {scope}")
        s = write_settings(os.path.join(work, "s-get-basic"), url=basic.project(),
                           username="alice", password=TOKEN)
        repo = os.path.join(work, "m2-get-basic")
        p = dependency_get(s, repo, f"{G}:{A}:1.1")
        reqs = basic.new_requests()
        show("dependency:get 1.1 from project URL with Basic (401 challenge first)", p, reqs,
             as_json)
        c.check(p.returncode == 0, "get with Basic")
        c.check(reqs and reqs[0]["status"] == 401 and "Authorization" not in reqs[0],
                "the first GET goes without credentials and is challenged")
        c.check(all(r.get("Authorization") for r in reqs if r["status"] == 200),
                "every successful GET carried Basic credentials")
        with open(local_file(repo, G, A, "1.1"), "rb") as f, open(files["1.1"][0], "rb") as g:
            c.check(f.read() == g.read(), "resolved jar has the deployed bytes")

        out = os.path.join(work, "copied")
        s = write_settings(os.path.join(work, "s-copy"), url=tok.group(), token=TOKEN)
        p = dependency_copy(s, os.path.join(work, "m2-copy"), f"{G}:{A}:1.1", out)
        show("dependency:copy 1.1 from group URL", p, tok.new_requests(), as_json)
        c.check(p.returncode == 0 and os.path.exists(os.path.join(out, f"{A}-1.1.jar")),
                "dependency:copy wrote the jar")

        # What must fail: a wrong .sha1, a 401 without WWW-Authenticate.
        bad = Probe(work, "bad-sha1", "--bad-checksums", "sha1")
        probes.append(bad)
        shutil.copytree(tok.root, bad.root, dirs_exist_ok=True)
        s = write_settings(os.path.join(work, "s-bad"), url=bad.project())
        p = dependency_get(s, os.path.join(work, "m2-bad"), f"{G}:{A}:1.0")
        show("dependency:get 1.0 with a wrong .sha1 (must fail)", p, bad.new_requests(), as_json)
        c.check(p.returncode != 0 and "Checksum validation failed" in p.stdout,
                "a wrong .sha1 fails the download")

        nochal = Probe(work, "no-challenge", "--auth", "basic", "--no-challenge")
        probes.append(nochal)
        shutil.copytree(tok.root, nochal.root, dirs_exist_ok=True)
        s = write_settings(os.path.join(work, "s-nochal"), url=nochal.project(),
                           username="alice", password=TOKEN)
        p = dependency_get(s, os.path.join(work, "m2-nochal"), f"{G}:{A}:1.0")
        show("dependency:get 1.0 with Basic, 401 without WWW-Authenticate (fails)", p,
             nochal.new_requests(), as_json)
        c.check(p.returncode != 0 and "status: 401" in p.stdout,
                "no challenge, no credentials sent")
    finally:
        for pr in probes:
            pr.close()
        if keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
