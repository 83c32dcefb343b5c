#!/usr/bin/env python3
"""Drives packyard with python-gitlab (Debian's python3-gitlab 3.12), unmodified, as a user
would: setup, generic uploads and downloads, project and group package lists with every filter
and order it can express, pagination with get_all/iterators, package GET, files, deletes and the
errors python-gitlab surfaces. Any warning python-gitlab raises (wrong Content-Type, a Link host
that differs from the configured URL) fails the test."""

import os
import sys
import tempfile
import time
import warnings

import gitlab

from harness import ROOT_TOKEN, Checks, Server


def main(binary):
    warnings.simplefilter("error")  # python-gitlab warns on a bad Content-Type or foreign host
    warnings.simplefilter("ignore", ResourceWarning)
    c = Checks()
    srv = Server(binary)
    try:
        gl = gitlab.Gitlab(srv.url, private_token=ROOT_TOKEN)
        gl.auth()
        c.check(gl.user.username == "root", "auth() returns root")

        group = gl.groups.create({"name": "Compat", "path": "compat", "visibility": "public"})
        sub = gl.groups.create({"name": "Sub", "path": "sub", "parent_id": group.id,
                                "visibility": "public"})
        project = gl.projects.create({"name": "app", "namespace_id": group.id, "visibility": "public"})
        other = gl.projects.create({"name": "lib", "namespace_id": sub.id, "visibility": "public"})
        c.check(project.path_with_namespace == "compat/app", "project path_with_namespace")

        user = gl.users.create({"username": "dev", "name": "Dev", "email": "dev@example.com",
                                "password": "unused-password-123"})
        project.members.create({"user_id": user.id, "access_level": 30})
        tok = gl.http_post(f"/users/{user.id}/personal_access_tokens",
                           post_data={"name": "t", "scopes": ["api"]})
        dev = gitlab.Gitlab(srv.url, private_token=tok["token"])
        dev.auth()
        c.check(dev.user.username == "dev", "a created token authenticates")

        # Generic packages: 27 packages so that pagination spans pages.
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(b"payload-bytes")
            path = f.name
        for i in range(25):
            project.generic_packages.upload(package_name=f"pkg{i:02d}", package_version=f"1.{i}.0",
                                            file_name="file.bin", path=path)
        project.generic_packages.upload(package_name="zeta", package_version="0.1", file_name="z.bin",
                                        path=path)
        other.generic_packages.upload(package_name="deep", package_version="2.0", file_name="d.bin",
                                      path=path)
        data = project.generic_packages.download(package_name="pkg03", package_version="1.3.0",
                                                 file_name="file.bin")
        c.check(data == b"payload-bytes", "generic download returns the uploaded bytes")

        first = project.packages.list(per_page=10, get_all=False)
        c.check(len(first) == 10, "packages.list per_page=10")
        everything = project.packages.list(get_all=True, per_page=7)
        c.check(len(everything) == 26, f"get_all follows Link across pages (got {len(everything)})")
        iterated = list(project.packages.list(iterator=True, per_page=5))
        c.check(len(iterated) == 26, "iterator=True walks every page")
        names = [p.name for p in project.packages.list(get_all=True, order_by="name", sort="desc")]
        c.check(names == sorted(names, reverse=True), "order_by=name sort=desc")
        versions = [p.version for p in project.packages.list(get_all=True, order_by="version")]
        c.check(versions == sorted(versions), "order_by=version is byte order")
        c.check(len(project.packages.list(package_name="zeta", get_all=False)) == 1, "package_name filter")
        c.check(len(project.packages.list(package_type="npm", get_all=False)) == 0, "package_type filter")
        c.check(len(project.packages.list(package_type="generic", get_all=True)) == 26,
                "package_type=generic")
        c.check(len(project.packages.list(status="hidden", get_all=False)) == 0, "status filter")
        c.check(len(project.packages.list(include_versionless=True, get_all=True)) == 26,
                "include_versionless")

        grouped = group.packages.list(get_all=True)
        c.check(len(grouped) == 27, "group list includes subgroups")
        c.check(all(hasattr(p, "project_path") for p in grouped), "group entries carry project_path")
        c.check(len(group.packages.list(get_all=True, exclude_subgroups=True)) == 26,
                "exclude_subgroups")
        by_path = group.packages.list(get_all=True, order_by="project_path")
        c.check(by_path[0].project_path == "compat/app", "order_by=project_path")

        zeta = project.packages.list(package_name="zeta", get_all=False)[0]
        pkg = project.packages.get(zeta.id)
        c.check(pkg.name == "zeta" and pkg.version == "0.1", "packages.get")
        c.check("delete_api_path" in pkg._links, "root sees delete_api_path")
        c.check(isinstance(pkg.versions, list), "single package carries versions")
        files = pkg.package_files.list()
        c.check(len(files) == 1 and files[0].file_name == "z.bin", "package_files.list")
        c.check(len(files[0].file_sha256) == 64, "file_sha256 filled")

        try:
            project.packages.get(999999)
            c.check(False, "missing package raises")
        except gitlab.exceptions.GitlabGetError as e:
            c.check(e.response_code == 404, "missing package is a 404 GitlabGetError")
        try:
            gitlab.Gitlab(srv.url, private_token="glpat-wrong").auth()
            c.check(False, "bad token raises")
        except gitlab.exceptions.GitlabAuthenticationError:
            c.check(True, "bad token is a GitlabAuthenticationError")
        try:
            dev.projects.get(project.id, lazy=True).packages.delete(zeta.id)
            c.check(False, "developer delete raises")
        except gitlab.exceptions.GitlabDeleteError as e:
            c.check(e.response_code == 403, "developer delete is a 403")

        # Delete one file, then a whole package; the cleanup removes it within seconds.
        pkg3 = project.packages.list(package_name="pkg03", get_all=False)[0]
        pkg3_obj = project.packages.get(pkg3.id)
        pkg3_obj.package_files.delete(pkg3_obj.package_files.list()[0].id)
        project.packages.delete(zeta.id)
        c.check(not project.packages.list(package_name="zeta", get_all=False), "deleted package left the list")
        gone = False
        for _ in range(50):
            if not project.packages.list(status="pending_destruction", get_all=False) and \
                    not project.packages.list(package_name="pkg03", get_all=False):
                gone = True
                break
            time.sleep(0.1)
        c.check(gone, "cleanup removed the deleted package and the emptied one")
        c.check(len(project.packages.list(get_all=True)) == 24, "24 packages remain")
        os.unlink(path)
    finally:
        code = srv.stop() if srv.proc.poll() is None else srv.proc.returncode
        c.check(code == 0, f"SIGTERM exits 0 (got {code})")
        srv.close()
    return c.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
