#!/usr/bin/env python3
"""Drives packyard with the real npm CLI, as a team would: publish scoped packages, view them,
move dist-tags, install from the project, group and instance registries into clean directories
with empty caches, deprecate, and the refusals npm users meet (duplicate version, a Reporter
publishing, an outsider installing). Also a CI job publishing with its job token, and a package
deleted through the REST API disappearing from what npm sees. Nothing leaves the loopback
interface: every registry npm knows of is this server."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

from harness import ROOT_TOKEN, Api, Checks, Server, check_store


class Npm:
    """One npm user: a userconfig naming the registry of one level and its token, and an
    empty cache of its own."""

    def __init__(self, work, url, registry_path, token):
        self.dir = tempfile.mkdtemp(prefix="npm-user-", dir=work)
        self.registry = f"{url}/api/v4/{registry_path}/"
        host = url.split("://", 1)[1]
        self.rc = os.path.join(self.dir, "npmrc")
        with open(self.rc, "w") as f:
            # Both the default and the scope registry are this server: no request leaves.
            f.write(f"registry={self.registry}\n@acme:registry={self.registry}\n")
            f.write(f"//{host}/api/v4/{registry_path}/:_authToken={token}\n")
        self.cache = os.path.join(self.dir, "cache")

    def run(self, args, cwd=None):
        env = dict(os.environ, NPM_CONFIG_USERCONFIG=self.rc, npm_config_cache=self.cache,
                   npm_config_update_notifier="false", npm_config_fund="false",
                   npm_config_audit="false", npm_config_loglevel="warn",
                   npm_config_fetch_retries="0")
        done = subprocess.run(["npm"] + args, cwd=cwd or self.dir, env=env, capture_output=True,
                              text=True, timeout=120)
        return done.returncode, done.stdout + done.stderr


def make_package(work, name, version, extra=None):
    d = tempfile.mkdtemp(prefix="pkg-", dir=work)
    manifest = {"name": name, "version": version, "description": f"{name} for tests",
                "main": "index.js", "license": "MIT", "engines": {"node": ">=14"},
                "bin": {"web-ui": "index.js"}}
    manifest.update(extra or {})
    with open(os.path.join(d, "package.json"), "w") as f:
        json.dump(manifest, f)
    with open(os.path.join(d, "index.js"), "w") as f:
        f.write(f"module.exports = {json.dumps(version)};\n")
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write(f"# {name}\n")
    return d


def name_of(spec):
    """"@acme/web-ui@next" -> "@acme/web-ui"."""
    at = spec.rfind("@")
    return spec[:at] if at > 0 else spec


def install(npm, work, spec):
    d = tempfile.mkdtemp(prefix="app-", dir=work)
    with open(os.path.join(d, "package.json"), "w") as f:
        json.dump({"name": "app", "version": "1.0.0", "private": True}, f)
    code, out = npm.run(["install", spec], cwd=d)
    version = None
    resolved = None
    installed = os.path.join(d, "node_modules", *name_of(spec).split("/"), "package.json")
    if code == 0 and os.path.exists(installed):
        with open(installed) as f:
            version = json.load(f)["version"]
        with open(os.path.join(d, "package-lock.json")) as f:
            lock = json.load(f)
        resolved = lock["packages"].get("node_modules/" + name_of(spec), {}).get("resolved")
    return code, out, version, resolved


def main(binary):
    if shutil.which("npm") is None:
        print("npm is not installed")
        return 1
    c = Checks()
    srv = Server(binary)
    work = tempfile.mkdtemp(prefix="packyard-npm-")
    try:
        root = Api(srv.url, ROOT_TOKEN)
        _, group = root.call("POST", "/groups", {"name": "acme", "path": "acme",
                                                 "visibility": "private"})
        _, proj = root.call("POST", "/projects", {"name": "web", "namespace_id": group["id"],
                                                  "visibility": "private"})
        pid = proj["id"]
        tokens = {}
        for name, level in (("dev", 30), ("rep", 20), ("maint", 40), ("outsider", None)):
            _, u = root.call("POST", "/users", {"username": name, "name": name,
                                                "email": f"{name}@example.com",
                                                "password": "unused-password-123"})
            if level:
                root.call("POST", f"/projects/{pid}/members", {"user_id": u["id"],
                                                               "access_level": level})
            _, t = root.call("POST", f"/users/{u['id']}/personal_access_tokens",
                             {"name": "npm", "scopes": ["api"]})
            tokens[name] = t["token"]

        project_path = f"projects/{pid}/packages/npm"
        dev = Npm(work, srv.url, project_path, tokens["dev"])

        # Publish three versions; the pre-release under its own tag.
        for version, tag in (("1.0.0", None), ("1.1.0", None), ("2.0.0-rc.1", "next")):
            args = ["publish"] + (["--tag", tag] if tag else [])
            code, out = dev.run(args, cwd=make_package(work, "@acme/web-ui", version))
            c.check(code == 0 and f"+ @acme/web-ui@{version}" in out,
                    f"npm publish {version}: {out[-400:]}")

        code, out = dev.run(["view", "@acme/web-ui", "--json"])
        view = json.loads(out) if code == 0 else {}
        c.check(view.get("versions") == ["1.0.0", "1.1.0", "2.0.0-rc.1"],
                f"npm view lists the versions: {view.get('versions')}")
        c.check(view.get("dist-tags") == {"latest": "1.1.0", "next": "2.0.0-rc.1"},
                f"dist-tags after publish: {view.get('dist-tags')}")
        c.check(view.get("description") == "@acme/web-ui for tests",
                "npm view shows the stored description (the full packument)")
        c.check(view.get("dist", {}).get("integrity", "").startswith("sha512-"),
                "the full packument keeps the sha512 integrity")

        # dist-tags: add, list, remove.
        code, out = dev.run(["dist-tag", "add", "@acme/web-ui@1.0.0", "stable"])
        c.check(code == 0, f"dist-tag add: {out[-300:]}")
        code, out = dev.run(["dist-tag", "ls", "@acme/web-ui"])
        c.check("stable: 1.0.0" in out and "next: 2.0.0-rc.1" in out, f"dist-tag ls: {out}")
        maint = Npm(work, srv.url, project_path, tokens["maint"])
        code, out = maint.run(["dist-tag", "rm", "@acme/web-ui", "stable"])
        c.check(code == 0, f"dist-tag rm (Maintainer): {out[-300:]}")
        code, out = dev.run(["dist-tag", "ls", "@acme/web-ui"])
        c.check("stable" not in out, f"dist-tag ls after rm: {out}")

        # Install from each level into a clean directory with an empty cache.
        for path in (project_path, "groups/acme/-/packages/npm", "packages/npm"):
            user = Npm(work, srv.url, path, tokens["dev"])
            code, out, version, resolved = install(user, work, "@acme/web-ui")
            c.check(code == 0 and version == "1.1.0", f"npm install from {path}: {out[-400:]}")
            c.check(resolved is not None and resolved.startswith(user.registry),
                    f"the tarball is served at the same level ({path}): {resolved}")
            code, out, version, _ = install(user, work, "@acme/web-ui@next")
            c.check(code == 0 and version == "2.0.0-rc.1", f"install @next from {path}")

        # A Reporter installs from the private project but cannot publish.
        rep = Npm(work, srv.url, project_path, tokens["rep"])
        code, out, version, _ = install(rep, work, "@acme/web-ui@1.0.0")
        c.check(code == 0 and version == "1.0.0", f"Reporter installs: {out[-300:]}")
        code, out = rep.run(["publish"], cwd=make_package(work, "@acme/web-ui", "3.0.0"))
        c.check(code != 0 and "403" in out, f"Reporter cannot publish: {out[-300:]}")

        # Someone outside the project sees nothing.
        outsider = Npm(work, srv.url, project_path, tokens["outsider"])
        code, out, _, _ = install(outsider, work, "@acme/web-ui")
        c.check(code != 0 and "404" in out, f"a non-member gets 404: {out[-300:]}")

        # Deprecate (Maintainer), then the deprecated version published again is refused by the
        # server (npm's own pre-check skips deprecated versions, so the PUT is sent).
        code, out = maint.run(["deprecate", "@acme/web-ui@1.0.0", "use 1.1"])
        c.check(code == 0, f"npm deprecate: {out[-300:]}")
        code, out = dev.run(["view", "@acme/web-ui@1.0.0", "deprecated"])
        c.check(out.strip() == "use 1.1", f"npm view shows the deprecation: {out!r}")
        code, out = dev.run(["publish", "--tag", "old"],
                            cwd=make_package(work, "@acme/web-ui", "1.0.0"))
        c.check(code != 0 and "Package already exists." in out,
                f"duplicate publish refused with GitLab's words: {out[-400:]}")

        # A CI job publishes with its job token: the package is linked to the pipeline.
        _, status = root.call("POST", f"/projects/{pid}/statuses/{'a' * 40}",
                              {"state": "running", "ref": "main", "name": "build"})
        _, pipelines = root.call("GET", f"/projects/{pid}/pipelines")
        pipeline_id = pipelines[0]["id"] if pipelines else 0
        _, job = root.call("POST", f"/projects/{pid}/pipelines/{pipeline_id}/job_token", {})
        ci = Npm(work, srv.url, project_path, job["token"] if job else "none")
        code, out = ci.run(["publish"], cwd=make_package(work, "@acme/cli-tool", "0.1.0"))
        c.check(code == 0, f"publish with a job token: {out[-300:]}")
        _, listed = root.call("GET", f"/projects/{pid}/packages?package_type=npm&package_name=cli-tool")
        c.check(len(listed or []) == 1 and listed[0].get("pipeline", {}).get("id") == pipeline_id,
                f"the job's pipeline is the package's pipeline: {listed}")

        # The Packages API shows npm packages with their tags and hashed files.
        _, pkgs = root.call("GET", f"/projects/{pid}/packages?package_type=npm&order_by=version"
                                   "&package_name=web-ui")
        by_version = {p["version"]: p for p in pkgs or []}
        c.check(sorted(by_version) == ["1.0.0", "1.1.0", "2.0.0-rc.1"],
                f"package_type=npm lists the versions: {sorted(by_version)}")
        c.check([t["name"] for t in by_version.get("1.1.0", {}).get("tags", [])] == ["latest"],
                "tags of 1.1.0")
        c.check(by_version.get("1.0.0", {}).get("status") == "deprecated", "1.0.0 is deprecated")
        _, files = root.call("GET", f"/projects/{pid}/packages/{by_version['1.1.0']['id']}/package_files")
        f0 = (files or [{}])[0]
        c.check(f0.get("file_name") == "@acme/web-ui-1.1.0.tgz" and f0.get("file_sha1")
                and f0.get("file_sha256") and f0.get("file_md5"),
                f"the tarball file row: {f0}")

        # A package deleted through the API is gone from what npm sees; the version can be
        # published again.
        code, _ = root.call("DELETE", f"/projects/{pid}/packages/{by_version['1.1.0']['id']}")
        c.check(code == 204, "DELETE the 1.1.0 package")
        code, out = dev.run(["view", "@acme/web-ui", "versions", "--json"])
        c.check(code == 0 and json.loads(out) == ["1.0.0", "2.0.0-rc.1"],
                f"the deleted version left the packument: {out}")
        code, out = dev.run(["publish"], cwd=make_package(work, "@acme/web-ui", "1.1.0"))
        c.check(code == 0, f"a deleted version can be published again: {out[-300:]}")

        # What npm left in the store (names, tags, metadata) agrees with the rows.
        code, out = check_store(binary, srv.data)
        c.check(code == 0, f"packyard check after the npm session exits 0:\n{out}")
        return c.finish()
    finally:
        srv.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
