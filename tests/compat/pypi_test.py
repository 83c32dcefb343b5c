#!/usr/bin/env python3
"""Drives packyard with the real twine and pip, as a Python team would: build an sdist and a
wheel, `twine upload` them with a token and from a CI job with its job token, meet the refusals
(duplicate file, a Reporter uploading), and `pip install` into clean targets from the project
and the group simple index, with a name that needs PEP 503 normalization, with and without
credentials. pip reads the wheel's core metadata (PEP 658) before it downloads the wheel.
Nothing leaves the loopback interface: pip's only index is this server."""

import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

from harness import ROOT_TOKEN, Api, Checks, Server, check_store


def api(url, token, method, path, body=None):
    return Api(url, token).call(method, path, body)


def build(work, name, version, module):
    """An sdist and a wheel of a dependency-free package, built offline with Debian's tools."""
    src = tempfile.mkdtemp(prefix="src-", dir=work)
    os.makedirs(os.path.join(src, module))
    with open(os.path.join(src, module, "__init__.py"), "w") as f:
        f.write(f"VERSION = {version!r}\n")
    with open(os.path.join(src, "pyproject.toml"), "w") as f:
        f.write(f"""[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "{version}"
description = "{name} for tests"
requires-python = ">=3.8"

[tool.setuptools]
packages = ["{module}"]
""")
    out = os.path.join(src, "dist")
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel",
                           "--outdir", out, src], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("build failed: " + done.stdout[-800:] + done.stderr[-800:])
    return sorted(os.path.join(out, f) for f in os.listdir(out))


def http_status(url, token=None):
    """The status of a GET and its WWW-Authenticate header, with Basic credentials if given."""
    headers = {}
    if token:
        headers["Authorization"] = "Basic " + base64.b64encode(f"__token__:{token}".encode()).decode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
            return r.status, r.headers.get("WWW-Authenticate")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("WWW-Authenticate")


def twine(repo_url, user, password, files):
    env = dict(os.environ, TWINE_NON_INTERACTIVE="1")
    done = subprocess.run(["twine", "upload", "--disable-progress-bar", "--repository-url",
                           repo_url, "-u", user, "-p", password] + files,
                          capture_output=True, text=True, env=env)
    return done.returncode, done.stdout + done.stderr


def pip_install(work, index_url, spec):
    target = tempfile.mkdtemp(prefix="target-", dir=work)
    cache = tempfile.mkdtemp(prefix="pip-cache-", dir=work)
    env = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_NO_INPUT="1")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", target,
                           "--cache-dir", cache, "--index-url", index_url, "-v", spec],
                          capture_output=True, text=True, env=env)
    return done.returncode, done.stdout + done.stderr, target


def main(binary):
    for tool in ("twine",):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed")
            return 1
    c = Checks()
    srv = Server(binary)
    work = tempfile.mkdtemp(prefix="packyard-pypi-")
    try:
        url = srv.url
        _, group = api(url, ROOT_TOKEN, "POST", "/groups",
                       {"name": "acme", "path": "acme", "visibility": "private"})
        _, proj = api(url, ROOT_TOKEN, "POST", "/projects",
                      {"name": "web", "namespace_id": group["id"], "visibility": "private"})
        pid = proj["id"]
        tokens = {}
        for name, level in (("dev", 30), ("rep", 20), ("outsider", None)):
            _, u = api(url, ROOT_TOKEN, "POST", "/users",
                       {"username": name, "name": name, "email": f"{name}@example.com",
                        "password": "unused-password-123"})
            if level:
                api(url, ROOT_TOKEN, "POST", f"/projects/{pid}/members",
                    {"user_id": u["id"], "access_level": level})
            _, t = api(url, ROOT_TOKEN, "POST", f"/users/{u['id']}/personal_access_tokens",
                       {"name": "pypi", "scopes": ["api"]})
            tokens[name] = t["token"]
        repo = f"{url}/api/v4/projects/{pid}/packages/pypi"
        host = url.split("://", 1)[1]

        dists = build(work, "My_Pkg.Name", "1.0.0", "my_pkg")
        c.check(len(dists) == 2, f"an sdist and a wheel were built: {dists}")
        code, out = twine(repo, "anything", tokens["dev"], dists)
        c.check(code == 0, f"twine upload with a personal access token: {out[-600:]}")
        _, listed = api(url, tokens["dev"], "GET", f"/projects/{pid}/packages?package_type=pypi")
        c.check(len(listed or []) == 1 and listed[0]["name"] == "My-Pkg.Name"
                or listed[0]["name"] == "My_Pkg.Name",
                f"one package holds both distributions: {listed}")
        pkg_id = listed[0]["id"] if listed else 0
        _, files = api(url, tokens["dev"], "GET", f"/projects/{pid}/packages/{pkg_id}/package_files")
        c.check(sorted(f["file_name"] for f in files or []) ==
                sorted(os.path.basename(d) for d in dists), f"both files listed: {files}")
        c.check(all(f.get("file_sha256") and f.get("file_md5") and f.get("file_sha1")
                    for f in files or []), "every hash is computed")

        code, out = twine(repo, "anything", tokens["dev"], dists[:1])
        c.check(code != 0 and "400" in out, f"a duplicate file is refused: {out[-400:]}")
        more = build(work, "My_Pkg.Name", "1.1.0", "my_pkg")
        code, out = twine(repo, "anything", tokens["rep"], more)
        c.check(code != 0 and "403" in out, f"a Reporter cannot upload: {out[-400:]}")

        # A CI job uploads with its job token: the package is linked to the pipeline.
        api(url, ROOT_TOKEN, "POST", f"/projects/{pid}/statuses/{'b' * 40}",
            {"state": "running", "ref": "main", "name": "build"})
        _, pipelines = api(url, ROOT_TOKEN, "GET", f"/projects/{pid}/pipelines")
        pipeline_id = pipelines[0]["id"] if pipelines else 0
        _, job = api(url, ROOT_TOKEN, "POST", f"/projects/{pid}/pipelines/{pipeline_id}/job_token",
                     {})
        code, out = twine(repo, "gitlab-ci-token", job["token"] if job else "none", more)
        c.check(code == 0, f"twine upload with a job token: {out[-400:]}")
        _, listed = api(url, tokens["dev"], "GET",
                        f"/projects/{pid}/packages?package_type=pypi&package_version=1.1.0")
        c.check(len(listed or []) == 1 and
                (listed[0].get("pipeline") or {}).get("id") == pipeline_id,
                f"the job's pipeline is the package's: {listed}")

        # pip from the project index, the name as a user types it (normalized by pip).
        index = f"http://__token__:{tokens['dev']}@{host}/api/v4/projects/{pid}/packages/pypi/simple"
        code, out, target = pip_install(work, index, "My_Pkg.Name==1.0.0")
        c.check(code == 0 and os.path.exists(os.path.join(target, "my_pkg", "__init__.py")),
                f"pip install from the project index: {out[-3000:]}")
        # PEP 658/714: the HTML page advertises the wheel's core metadata with its hash, and it
        # is served next to the wheel.
        page = urllib.request.Request(
            f"{url}/api/v4/projects/{pid}/packages/pypi/simple/my-pkg-name/",
            headers={"PRIVATE-TOKEN": tokens["dev"], "Accept": "text/html"})
        with urllib.request.urlopen(page, timeout=30) as r:
            html = r.read().decode()
        m = re.search(r'<a href="([^"#]+\.whl)#sha256=[0-9a-f]+" data-requires-python="&gt;=3.8" '
                      r'data-core-metadata="sha256=([0-9a-f]{64})"', html)
        c.check(m is not None, f"the wheel's anchor carries data-core-metadata: {html[-600:]}")
        if m:
            meta = urllib.request.Request(m.group(1) + ".metadata",
                                          headers={"PRIVATE-TOKEN": tokens["dev"]})
            with urllib.request.urlopen(meta, timeout=30) as r:
                text = r.read()
            c.check(hashlib.sha256(text).hexdigest() == m.group(2) and
                    b"Version: 1.0.0" in text and b"Requires-Python: >=3.8" in text,
                    f"the .metadata file is the wheel's METADATA, with the advertised hash: {text[:300]!r} {hashlib.sha256(text).hexdigest()} {m.group(2)}")
        code, out, target = pip_install(work, index, "my-pkg-name")
        c.check(code == 0 and "Successfully installed my-pkg-name-1.1.0" in out,
                f"pip picks the newest version: {out[-1500:]}")

        # The group index, and a Reporter reading the private project.
        gindex = f"http://__token__:{tokens['rep']}@{host}/api/v4/groups/{group['id']}/-/packages/pypi/simple"
        code, out, target = pip_install(work, gindex, "my.pkg.name==1.0.0")
        c.check(code == 0 and os.path.exists(os.path.join(target, "my_pkg")),
                f"a Reporter installs from the group index: {out[-600:]}")

        # Without credentials pip is refused (401 with the Basic realm); an outsider sees 404.
        anon = f"http://{host}/api/v4/projects/{pid}/packages/pypi/simple"
        code, out, _ = pip_install(work, anon, "my-pkg-name")
        status, realm = http_status(anon + "/my-pkg-name/")
        c.check(code != 0 and status == 401 and realm == 'Basic realm="GitLab Packages Registry"',
                f"anonymous pip on a private project: {status} {realm} {out[-600:]}")
        outsider = f"http://__token__:{tokens['outsider']}@{host}/api/v4/projects/{pid}/packages/pypi/simple"
        code, out, _ = pip_install(work, outsider, "my-pkg-name")
        status, _ = http_status(anon + "/my-pkg-name/", tokens["outsider"])
        c.check(code != 0 and status == 404, f"an outsider gets 404: {status} {out[-600:]}")
        code, out, _ = pip_install(work, index, "not-uploaded-anywhere")
        c.check(code != 0, "an unknown name is not found (no forwarding to pypi.org)")

        # A package deleted through the REST API leaves the index.
        status, _ = api(url, ROOT_TOKEN, "DELETE", f"/projects/{pid}/packages/{pkg_id}")
        c.check(status == 204, f"delete through the Packages API: {status}")
        code, out, _ = pip_install(work, index, "my-pkg-name==1.0.0")
        c.check(code != 0, "the deleted version is gone from the simple page")

        # What twine left in the store (the name and SHA-256 indexes, metadata) agrees with
        # the rows.
        code, out = check_store(binary, srv.data)
        c.check(code == 0, f"packyard check after the PyPI session exits 0:\n{out}")
        return c.finish()
    finally:
        srv.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
