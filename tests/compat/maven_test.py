#!/usr/bin/env python3
"""Drives packyard with the real Maven (Debian's 3.8.7 and its deploy and dependency plugins,
through maven_harness), as a Java team would: `deploy:deploy-file` of two releases and a
SNAPSHOT deployed twice, with a Private-Token header, with Basic auth and from a CI job with its
job token; a Reporter's deploy refused; `dependency:get` / `dependency:copy` into empty local
repositories from the project, group and instance URLs with checksumPolicy fail (Maven checks
every .sha1); Basic auth on a private project through the 401 challenge, and a wrong password
refused; the versionless package in the Packages API; a release deleted through the API leaving
the artifact's maven-metadata.xml, so that `RELEASE` resolves to the one before it.

Nothing leaves the loopback interface: plugins come from Debian's /usr/share/maven-repo (file:),
every other repository id is mirrored onto it, resolutions run with -o except for file: and
127.0.0.1 (docs/maven-notes.md). Each Maven run is a fresh JVM, so the number of runs is kept
to a dozen; "empty" local repositories are copies of one that holds only Debian's plugin files
(never the test's artifacts), which saves re-copying ~280 plugin files per resolution."""

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request

from harness import ROOT_TOKEN, Api, Checks, Server, check_store
from maven_harness import (dependency_copy, dependency_get, deploy_file, local_file,
                           make_artifact, write_settings)

G, A = "com.acme", "demo"
MPATH = "com/acme/demo"  # the Maven path, the package name, and the project's full path
CHALLENGE = 'Basic realm="GitLab Packages Registry"'


def fetch(url, headers=None, method="GET", body=None):
    """(status, headers, body bytes) of one request, errors included."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def digests(path):
    with open(path, "rb") as f:
        data = f.read()
    return {"file_md5": hashlib.md5(data).hexdigest(), "file_sha1": hashlib.sha1(data).hexdigest(),
            "file_sha256": hashlib.sha256(data).hexdigest()}


def same_bytes(a, b):
    try:
        with open(a, "rb") as f, open(b, "rb") as g:
            return f.read() == g.read()
    except OSError:
        return False


def metadata_of(xml):
    """(versions, latest, release, lastUpdated) of an artifact-level maven-metadata.xml."""
    def one(tag):
        m = re.search(rf"<{tag}>\s*([^<]*?)\s*</{tag}>", xml)
        return m.group(1) if m else None
    return (re.findall(r"<version>\s*([^<]*?)\s*</version>", xml.split("<versions>", 1)[-1])
            if "<versions>" in xml else [], one("latest"), one("release"), one("lastUpdated"))


class AccessLog:
    """The Maven requests packyard answered, from its JSON access log: [(method, path below
    /packages/maven/, status)] since the previous call."""

    def __init__(self, path):
        self.path = path
        self.seen = 0

    def new(self):
        time.sleep(0.2)  # the access line is written just after the response
        with open(self.path, errors="replace") as f:
            lines = f.readlines()
        out = []
        for line in lines[self.seen:]:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if "/packages/maven/" in e.get("path", ""):
                out.append((e["method"], e["path"].split("/packages/maven/", 1)[1], e["status"]))
        self.seen = len(lines)
        return out


class Maven:
    """Runs Maven and keeps the wall time of each run for the closing summary."""

    def __init__(self):
        self.runs = []

    def __call__(self, what, fn, *args, **kw):
        t = time.monotonic()
        p = fn(*args, **kw)
        self.runs.append((what, time.monotonic() - t, p.returncode))
        return p

    def summary(self):
        total = sum(t for _, t, _ in self.runs)
        print(f"{len(self.runs)} Maven runs, {total:.0f} s:")
        for what, t, rc in self.runs:
            print(f"  {t:5.1f} s  exit {rc}  {what}")


def tail(p, n=1500):
    """The end of Maven's output, where the error is, for a failure message."""
    return (p.stdout + p.stderr)[-n:]


def main(binary):
    if shutil.which("mvn") is None:
        print("mvn is not installed (scripts/deps.sh --tests)")
        return 1
    c = Checks()
    # JSON access lines let the test see what Maven asked and what packyard answered.
    srv = Server(binary, extra=["--log-format", "json"])
    work = tempfile.mkdtemp(prefix="packyard-maven-")
    mvn = Maven()
    started = time.monotonic()
    try:
        url = srv.url
        root = Api(url, ROOT_TOKEN)
        log = AccessLog(os.path.join(srv.data, "server.log"))

        # The project's full path is the Maven path com/acme/demo, which the instance-level
        # URL needs (it finds the project by the path minus its last segment). All private.
        _, com = root.call("POST", "/groups", {"name": "com", "path": "com",
                                               "visibility": "private"})
        _, acme = root.call("POST", "/groups", {"name": "acme", "path": "acme",
                                                "parent_id": com["id"], "visibility": "private"})
        _, proj = root.call("POST", "/projects", {"name": "demo", "path": "demo",
                                                  "namespace_id": acme["id"],
                                                  "visibility": "private"})
        pid = proj["id"]
        c.check(proj.get("path_with_namespace") == MPATH, f"project full path: {proj}")
        users, tokens = {}, {}
        for name, level in (("dev", 30), ("rep", 20)):
            _, u = root.call("POST", "/users", {"username": name, "name": name,
                                                "email": f"{name}@example.com",
                                                "password": "unused-password-123"})
            users[name] = u
            root.call("POST", f"/projects/{pid}/members", {"user_id": u["id"],
                                                           "access_level": level})
            _, t = root.call("POST", f"/users/{u['id']}/personal_access_tokens",
                             {"name": "maven", "scopes": ["api"]})
            tokens[name] = t["token"]
        _, t = root.call("POST", f"/users/{users['dev']['id']}/personal_access_tokens",
                         {"name": "read-only", "scopes": ["read_api"]})
        tokens["dev-read"] = t["token"]
        dev = Api(url, tokens["dev"])

        project_url = f"{url}/api/v4/projects/{pid}/packages/maven"
        group_url = f"{url}/api/v4/groups/{com['id']}/-/packages/maven"  # the top group
        instance_url = f"{url}/api/v4/packages/maven"

        # The artifacts: two releases, a SNAPSHOT deployed twice with different bytes (so the
        # resolved one shows which build won), and one the Reporter tries to deploy.
        art = os.path.join(work, "artifacts")
        files = {v: make_artifact(os.path.join(art, v), G, A, v)
                 for v in ("1.0", "1.1", "1.3")}
        files["snap1"] = make_artifact(os.path.join(art, "snap1"), G, A, "1.2-SNAPSHOT",
                                       content="snapshot build 1\n")
        files["snap2"] = make_artifact(os.path.join(art, "snap2"), G, A, "1.2-SNAPSHOT",
                                       content="snapshot build 2\n")
        deploy_repo = os.path.join(work, "m2-deploy")

        # --- 1. deploys ---------------------------------------------------------------------
        s_dev = write_settings(os.path.join(work, "s-dev"), token=tokens["dev"])
        p = mvn("deploy 1.0, Private-Token", deploy_file, s_dev, deploy_repo, project_url,
                *files["1.0"])
        c.check(p.returncode == 0, f"deploy-file 1.0 with a Private-Token header: {tail(p)}")
        reqs = log.new()
        c.check(("PUT", f"{MPATH}/1.0/demo-1.0.jar.sha1", 204) in reqs and
                ("PUT", f"{MPATH}/maven-metadata.xml", 200) in reqs,
                f"the jar's .sha1 PUT matched (204) and the metadata was stored: {reqs}")

        s_basic = write_settings(os.path.join(work, "s-basic"), username="dev",
                                 password=tokens["dev"])
        p = mvn("deploy 1.1, Basic", deploy_file, s_basic, deploy_repo, project_url,
                *files["1.1"])
        c.check(p.returncode == 0, f"deploy-file 1.1 with Basic auth: {tail(p)}")
        log.new()

        p = mvn("deploy 1.2-SNAPSHOT #1, Private-Token", deploy_file, s_dev, deploy_repo,
                project_url, *files["snap1"])
        c.check(p.returncode == 0, f"deploy-file 1.2-SNAPSHOT (first) : {tail(p)}")
        reqs = log.new()
        c.check(any(m == "PUT" and re.fullmatch(rf"{MPATH}/1.2-SNAPSHOT/demo-1.2-\d{{8}}\.\d{{6}}-1"
                                                 r"\.jar", path) and s == 200
                    for m, path, s in reqs),
                f"the first SNAPSHOT deploy wrote build number 1: {reqs}")

        # A CI job deploys the second SNAPSHOT build with its job token.
        root.call("POST", f"/projects/{pid}/statuses/{'c' * 40}",
                  {"state": "running", "ref": "main", "name": "build"})
        _, pipelines = root.call("GET", f"/projects/{pid}/pipelines")
        pipeline_id = pipelines[0]["id"] if pipelines else 0
        _, job = root.call("POST", f"/projects/{pid}/pipelines/{pipeline_id}/job_token", {})
        s_job = write_settings(os.path.join(work, "s-job"), header="Job-Token",
                               token=(job or {}).get("token", "none"))
        p = mvn("deploy 1.2-SNAPSHOT #2, Job-Token", deploy_file, s_job, deploy_repo,
                project_url, *files["snap2"])
        c.check(p.returncode == 0, f"deploy-file 1.2-SNAPSHOT (second) with a job token: {tail(p)}")
        reqs = log.new()
        # Maven reads the version-level metadata first: the server's answer decides the build
        # number, so -2 means packyard served the metadata of the first deploy.
        snap2 = [path.rsplit("/", 1)[1] for m, path, s in reqs
                 if m == "PUT" and s == 200 and
                 re.fullmatch(rf"{MPATH}/1.2-SNAPSHOT/demo-1.2-\d{{8}}\.\d{{6}}-2\.jar", path)]
        c.check(len(snap2) == 1, f"the second SNAPSHOT deploy wrote build number 2: {reqs}")

        # A Reporter cannot deploy: Maven stops at the first PUT, and nothing is stored.
        s_rep = write_settings(os.path.join(work, "s-rep"), token=tokens["rep"])
        p = mvn("deploy 1.3 as Reporter (refused)", deploy_file, s_rep, deploy_repo, project_url,
                *files["1.3"])
        reqs = log.new()
        c.check(p.returncode != 0 and "403" in p.stdout,
                f"a Reporter's deploy-file fails with 403: {tail(p)}")
        c.check(("PUT", f"{MPATH}/1.3/demo-1.3.jar", 403) in reqs and
                all(s >= 400 for _, _, s in reqs), f"every request of it was refused: {reqs}")
        # A Developer's read_api token may read but not write (no Maven run needed for that).
        status, _, _ = fetch(f"{project_url}/{MPATH}/1.3/demo-1.3.jar", method="PUT", body=b"x",
                             headers={"Private-Token": tokens["dev-read"]})
        c.check(status == 403, f"a PUT with a read_api token is 403: {status}")
        log.new()

        # --- Packages API -------------------------------------------------------------------
        _, listed = dev.call("GET", f"/projects/{pid}/packages?per_page=100")
        listed = listed if isinstance(listed, list) else []
        # str(): a versionless package listed here (version null) must fail the check, not
        # the sort.
        c.check(sorted((p_["name"], str(p_["version"]), p_["package_type"]) for p_ in listed) ==
                [(MPATH, v, "maven") for v in ("1.0", "1.1", "1.2-SNAPSHOT")],
                f"the Packages API lists 1.0, 1.1 and 1.2-SNAPSHOT, not the versionless package "
                f"nor the refused 1.3: {listed}")
        _, with_vl = dev.call("GET", f"/projects/{pid}/packages?per_page=100"
                                     "&include_versionless=true")
        with_vl = with_vl if isinstance(with_vl, list) else []
        versionless = [p_ for p_ in with_vl if p_.get("version") is None]
        c.check(len(with_vl) == 4 and len(versionless) == 1 and versionless[0]["name"] == MPATH
                and versionless[0]["package_type"] == "maven",
                f"include_versionless=true adds the versionless {MPATH}: {with_vl}")
        by_version = {p_["version"]: p_ for p_ in listed}

        for v in ("1.0", "1.1"):
            pkg = by_version.get(v, {})
            _, pf = dev.call("GET", f"/projects/{pid}/packages/{pkg.get('id', 0)}/package_files")
            pf = pf if isinstance(pf, list) else []
            got = {f["file_name"]: {k: f.get(k) for k in ("file_md5", "file_sha1", "file_sha256")}
                   for f in pf}
            want = {os.path.basename(x): digests(x) for x in files[v]}
            c.check(got == want, f"package {v} holds the jar and pom with their md5, sha1 and "
                                 f"sha256:\n got {got}\nwant {want}")

        snap = by_version.get("1.2-SNAPSHOT", {})
        _, pf = dev.call("GET", f"/projects/{pid}/packages/{snap.get('id', 0)}/package_files"
                                "?per_page=100")
        names = sorted(f["file_name"] for f in (pf if isinstance(pf, list) else []))
        builds = [n for n in names if re.fullmatch(r"demo-1\.2-\d{8}\.\d{6}-[12]\.(jar|pom)", n)]
        c.check(len(builds) == 4 and "maven-metadata.xml" in names,
                f"the SNAPSHOT package holds both builds' jar and pom and its metadata: {names}")
        c.check((snap.get("pipeline") or {}).get("id") == pipeline_id,
                f"the SNAPSHOT package's pipeline is the job's ({pipeline_id}): {snap}")
        _, pls = dev.call("GET", f"/projects/{pid}/packages/{snap.get('id', 0)}/pipelines")
        c.check([x.get("id") for x in (pls if isinstance(pls, list) else [])] == [pipeline_id],
                f"the SNAPSHOT package's pipelines list the job's: {pls}")
        c.check(not by_version.get("1.0", {}).get("pipeline"),
                f"1.0, deployed with a personal token, has no pipeline: {by_version.get('1.0')}")

        # --- 2. resolution from project, group and instance URLs ----------------------------
        # The first resolution starts from a truly empty local repository (it copies the
        # dependency plugin from Debian's); the later ones from a copy of that one, with the
        # test's artifacts removed.
        cold = os.path.join(work, "m2-cold")
        s_proj = write_settings(os.path.join(work, "s-get-project"), url=project_url,
                                token=tokens["dev"])
        p = mvn("get 1.0, project URL (cold local repository)", dependency_get, s_proj, cold,
                f"{G}:{A}:1.0")
        reqs = log.new()
        c.check(p.returncode == 0 and same_bytes(local_file(cold, G, A, "1.0"), files["1.0"][0]),
                f"dependency:get 1.0 from the project URL has the deployed jar: {tail(p)}")
        c.check(("GET", f"{MPATH}/1.0/demo-1.0.jar.sha1", 200) in reqs and
                ("GET", f"{MPATH}/1.0/demo-1.0.pom.sha1", 200) in reqs,
                f"Maven verified both files against packyard's .sha1: {reqs}")
        warm = os.path.join(work, "m2-warm")
        shutil.copytree(cold, warm)
        shutil.rmtree(os.path.join(warm, "com", "acme"), ignore_errors=True)

        def empty_repo(name):
            path = os.path.join(work, name)
            shutil.copytree(warm, path)
            return path

        s_group = write_settings(os.path.join(work, "s-get-group"), url=group_url,
                                 token=tokens["dev"])
        out = os.path.join(work, "copied")
        p = mvn("copy 1.2-SNAPSHOT, group URL", dependency_copy, s_group,
                empty_repo("m2-group"), f"{G}:{A}:1.2-SNAPSHOT", out)
        reqs = log.new()
        copied = [os.path.join(out, n) for n in (os.listdir(out) if os.path.isdir(out) else [])]
        # copy names the file after the resolved build (demo-1.2-<timestamp>-2.jar).
        c.check(p.returncode == 0 and [os.path.basename(x) for x in copied] == snap2[:1] and
                same_bytes(copied[0], files["snap2"][0]),
                f"dependency:copy 1.2-SNAPSHOT from the group URL has build 2 ({snap2}), with its "
                f"bytes: {copied} {tail(p)}")
        c.check(snap2 and ("GET", f"{MPATH}/1.2-SNAPSHOT/{snap2[0]}", 200) in reqs and
                ("GET", f"{MPATH}/1.2-SNAPSHOT/maven-metadata.xml.sha1", 200) in reqs,
                f"resolved through the SNAPSHOT's metadata (checksum verified) to {snap2}: {reqs}")

        s_inst = write_settings(os.path.join(work, "s-get-instance"), url=instance_url,
                                token=tokens["rep"])
        repo = empty_repo("m2-instance")
        p = mvn("get 1.1, instance URL, Reporter", dependency_get, s_inst, repo, f"{G}:{A}:1.1")
        log.new()
        c.check(p.returncode == 0 and same_bytes(local_file(repo, G, A, "1.1"), files["1.1"][0]),
                f"a Reporter's dependency:get 1.1 from the instance URL has the deployed jar: "
                f"{tail(p)}")

        # --- 3. Basic auth on a private project: the 401 challenge --------------------------
        status, headers, _ = fetch(f"{project_url}/{MPATH}/1.1/demo-1.1.pom")
        c.check(status == 401 and headers.get("WWW-Authenticate") == CHALLENGE,
                f"an anonymous GET is 401 with {CHALLENGE}: {status} "
                f"{headers.get('WWW-Authenticate')}")
        log.new()  # that GET is not Maven's
        s_get_basic = write_settings(os.path.join(work, "s-get-basic"), url=project_url,
                                     username="dev", password=tokens["dev"])
        repo = empty_repo("m2-basic")
        p = mvn("get 1.1, project URL, Basic", dependency_get, s_get_basic, repo, f"{G}:{A}:1.1")
        reqs = log.new()
        c.check(p.returncode == 0 and same_bytes(local_file(repo, G, A, "1.1"), files["1.1"][0]),
                f"dependency:get 1.1 with Basic auth: {tail(p)}")
        # Maven sends the pom's and the jar's first GET without credentials (docs/maven-notes.md):
        # without the challenge it would give up at the first one. Membership, not order: with
        # two server threads, access lines of back-to-back requests may swap.
        c.check(all((m, f"{MPATH}/1.1/demo-1.1.{ext}", s) in reqs
                    for ext in ("pom", "jar") for m, s in (("GET", 401), ("GET", 200))),
                f"the pom's and the jar's first GET were challenged, then repeated with "
                f"credentials: {reqs}")

        s_wrong = write_settings(os.path.join(work, "s-get-wrong"), url=project_url,
                                 username="dev", password="glpat-not-a-real-token-000")
        repo = empty_repo("m2-wrong")
        p = mvn("get 1.1, project URL, wrong password", dependency_get, s_wrong, repo,
                f"{G}:{A}:1.1")
        reqs = log.new()
        c.check(p.returncode != 0 and "401" in p.stdout and
                not os.path.exists(local_file(repo, G, A, "1.1")),
                f"a wrong password fails with 401: {tail(p)}")
        c.check(reqs and all(s == 401 for _, _, s in reqs), f"every GET was refused: {reqs}")

        # --- 5. delete release 1.1: the artifact's metadata follows -------------------------
        meta_url = f"{project_url}/{MPATH}/maven-metadata.xml"
        auth = {"Private-Token": tokens["dev"]}
        status, _, body = fetch(meta_url, auth)
        versions, latest, release, updated = metadata_of(body.decode(errors="replace"))
        c.check(status == 200 and sorted(versions) == ["1.0", "1.1", "1.2-SNAPSHOT"]
                and release == "1.1" and updated,
                f"the metadata before the delete: {status} {body[:600]!r}")
        gone = by_version.get("1.1", {}).get("id", 0)
        status, _ = root.call("DELETE", f"/projects/{pid}/packages/{gone}")
        c.check(status == 204, f"delete 1.1 through the Packages API: {status}")
        status, _, body = fetch(meta_url, auth)
        versions, latest, release, updated = metadata_of(body.decode(errors="replace"))
        c.check(status == 200 and sorted(versions) == ["1.0", "1.2-SNAPSHOT"]
                and release == "1.0" and latest in versions,
                f"the metadata after the delete lists 1.0 and 1.2-SNAPSHOT, release 1.0: "
                f"{status} {body[:600]!r}")
        status, _, sha1 = fetch(meta_url + ".sha1", auth)
        c.check(status == 200 and sha1.decode().strip() == hashlib.sha1(body).hexdigest(),
                f"its .sha1 is the regenerated document's: {status} {sha1!r}")

        s_rel = write_settings(os.path.join(work, "s-get-release"), url=project_url,
                               token=tokens["dev"])
        repo = empty_repo("m2-release")
        p = mvn("get RELEASE, project URL, after the delete", dependency_get, s_rel, repo,
                f"{G}:{A}:RELEASE")
        log.new()
        c.check(p.returncode == 0 and same_bytes(local_file(repo, G, A, "1.0"), files["1.0"][0])
                and not os.path.exists(os.path.dirname(local_file(repo, G, A, "1.1"))),
                f"dependency:get RELEASE resolves 1.0 once 1.1 is deleted: {tail(p)}")

        # --- 7. the store agrees with itself ------------------------------------------------
        code, out = check_store(binary, srv.data)
        c.check(code == 0, f"packyard check after the Maven session exits 0:\n{out}")
        mvn.summary()
        print(f"whole test: {time.monotonic() - started:.0f} s")
        return c.finish()
    finally:
        srv.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
