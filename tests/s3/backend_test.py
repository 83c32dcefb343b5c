#!/usr/bin/python3
"""What the S3 blob backend adds beside uploads and downloads, against the real Ceph RADOS
Gateway tests/s3/suite.sh started (its s3.env in the environment), each through the real binary:

- --blob-direct-download: GET answers Grape's 302 (HEAD 303) with the checksum and disposition
  headers, and the presigned Location, fetched by a plain client, gives the bytes with the same
  Content-Disposition and Content-Type;
- /-/metrics counts the S3 calls per operation;
- packyard check with the bucket finds an object no row names, and --repair removes it;
- packyard backup with the bucket copies the objects, and the restore serves them locally;
- DATA/blob-store: a local start on a folder in a bucket is refused; the prefix claim refuses a
  second folder on the same prefix;
- packyard migrate-blobs: a local store moved into the bucket (a file past the part size, so a
  multipart push), --remove-local refused before a server opened the folder on the bucket, a
  damaged blob refused, downloads whole before and after the local copies go.

Usage: /usr/bin/python3 tests/s3/backend_test.py PACKYARD_BINARY   (exit 77 without s3.env)
"""
import hashlib
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "compat"))
sys.path.insert(0, HERE)

from harness import ROOT_TOKEN, Api, Checks, Server  # noqa: E402
from s3_client import S3  # noqa: E402

MIB = 1024 * 1024


def log(msg):
    print(msg, flush=True)


def request(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={"PRIVATE-TOKEN": ROOT_TOKEN})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def run(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout + r.stderr


def project(srv, name):
    st, proj = Api(srv.url, ROOT_TOKEN).call("POST", "/projects", {"name": name})
    assert st == 201, (st, proj)
    return proj["id"]


def upload(srv, pid, name, data):
    return request(srv.port, "PUT", f"/api/v4/projects/{pid}/packages/generic/{name}/1.0/{name}.bin",
                   data)[0]


def download(srv, pid, name):
    return request(srv.port, "GET", f"/api/v4/projects/{pid}/packages/generic/{name}/1.0/{name}.bin")


def main(binary):
    needed = ("S3_ENDPOINT", "S3_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    if not all(os.environ.get(k) for k in needed):
        print("skipped: needs tests/s3/rgw.sh's s3.env in the environment (tests/s3/suite.sh)")
        return 77
    os.environ["PACKYARD_TEST_SERVER_ARGS"] = ""  # every server here names its own store
    s3 = S3.from_env()
    bucket = os.environ["S3_BUCKET"]
    work = tempfile.mkdtemp(prefix="packyard-s3-backend-")
    tag = os.path.basename(work).lower().replace("_", "-")

    def s3_args(prefix, *more):
        return ["--blob-store", "s3", "--s3-endpoint", os.environ["S3_ENDPOINT"],
                "--s3-bucket", bucket, "--s3-prefix", f"{tag}-{prefix}/", "--s3-part-size-mib",
                "5", *more]

    for sub in ("direct", "restored", "mig"):
        os.makedirs(os.path.join(work, sub))
    c = Checks()
    servers = []
    try:
        log("== direct download")
        direct = Server(binary, data=os.path.join(work, "direct"),
                        extra=s3_args("direct", "--blob-direct-download"))
        servers.append(direct)
        pid = project(direct, "direct")
        data = os.urandom(200_000)
        c.check(upload(direct, pid, "a", data) == 201, "upload with --blob-direct-download")
        st, h, body = download(direct, pid, "a")
        c.check(st == 302, f"GET answers 302 ({st})")
        loc = h.get("location", "")
        c.check(body == f"This resource has been moved temporarily to {loc}.".encode(),
                "the 302's body is Grape's")
        c.check(h.get("content-type") == "text/plain", "the 302 is text/plain")
        c.check(h.get("x-checksum-sha256") == hashlib.sha256(data).hexdigest(),
                "the 302 keeps X-Checksum-SHA256")
        c.check("x-amz-signature=" in loc.lower() and "response-content-disposition" in loc,
                "Location is a presigned GET signing the disposition")
        with urllib.request.urlopen(loc, timeout=60) as r:  # no token: the URL is the grant
            got, disp, ctype = r.read(), r.headers.get("Content-Disposition"), \
                r.headers.get("Content-Type")
        c.check(got == data, "the presigned URL gives the bytes")
        c.check(disp == h.get("content-disposition"),
                f"the store's Content-Disposition is packyard's ({disp!r})")
        c.check(ctype == "application/octet-stream", f"the store's Content-Type ({ctype!r})")
        st, h, _ = request(direct.port, "HEAD",
                           f"/api/v4/projects/{pid}/packages/generic/a/1.0/a.bin")
        c.check(st == 303 and h.get("location", "").startswith(os.environ["S3_ENDPOINT"]),
                f"HEAD answers 303 ({st})")
        st, _, metrics = request(direct.port, "GET", "/-/metrics")
        m = re.search(rb'^packyard_s3_requests_total\{operation="put_object"\} (\d+)$', metrics,
                      re.M)
        c.check(st == 200 and m is not None and int(m.group(1)) >= 1,
                "/-/metrics counts the PUT to the store")

        log("== check and repair with the bucket")
        direct.stop()
        folder = os.path.join(work, "direct", "d")
        orphan = os.urandom(1000)
        sha = hashlib.sha256(orphan).hexdigest()
        key = f"{tag}-direct/{sha[:2]}/{sha}"
        assert s3.put(bucket, key, orphan) == 200
        rc, out = run(binary, "check", "--data", folder, *s3_args("direct"))
        c.check(rc == 1 and key in out, f"check names the orphan object (exit {rc})")
        rc, out = run(binary, "check", "--data", folder, "--repair", *s3_args("direct"))
        c.check(rc == 0 and s3.request("HEAD", f"/{bucket}/{key}")[0] == 404,
                f"--repair deletes it (exit {rc})")
        rc, out = run(binary, "check", "--data", folder)
        c.check(rc == 2 and "in a bucket" in out, f"a check without the bucket's flags stops ({rc})")

        log("== the folder's record and the prefix claim")
        p = subprocess.run([binary, "serve", "--listen", "127.0.0.1:0", "--data", folder],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, PACKYARD_ROOT_TOKEN=ROOT_TOKEN))
        c.check(p.returncode != 0 and "in a bucket" in p.stderr,
                "a local start on a folder in a bucket is refused")
        other = os.path.join(work, "other")
        p = subprocess.run([binary, "serve", "--listen", "127.0.0.1:0", "--data", other,
                            *s3_args("direct")],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, PACKYARD_ROOT_TOKEN=ROOT_TOKEN))
        c.check(p.returncode != 0 and "belongs to another data folder" in p.stderr,
                "a second folder on the same prefix is refused")
        c.check(s3.request("HEAD", f"/{bucket}/{tag}-direct/{hashlib.sha256(data).hexdigest()[:2]}"
                           f"/{hashlib.sha256(data).hexdigest()}")[0] == 200,
                "and the first folder's object is still there")

        log("== backup from the bucket, restored locally")
        bk, restored = os.path.join(work, "bk"), os.path.join(work, "restored")
        rc, out = run(binary, "backup", "--data", folder, "--to", bk, *s3_args("direct"))
        c.check(rc == 0, f"backup with the bucket's flags ({rc}: {out.strip()[-200:]})")
        rc, out = run(binary, "restore", "--from", bk, "--data", os.path.join(restored, "d"))
        c.check(rc == 0, f"restore ({rc})")
        local = Server(binary, data=restored)
        servers.append(local)
        st, _, got = download(local, pid, "a")
        c.check(st == 200 and got == data, "the restored folder serves the bytes locally")
        local.close()

        log("== migrate-blobs")
        mig = os.path.join(work, "mig")
        src = Server(binary, data=mig)
        servers.append(src)
        mpid = project(src, "mig")
        big, small = os.urandom(12 * MIB), os.urandom(3000)  # big: three 5 MiB parts
        c.check(upload(src, mpid, "big", big) == 201 and upload(src, mpid, "small", small) == 201,
                "uploads to the local folder")
        src.stop()
        mfolder = os.path.join(mig, "d")
        rc, out = run(binary, "migrate-blobs", "--to", "s3", "--data", mfolder,
                      *s3_args("mig"), "--remove-local")
        c.check(rc == 2 and "--remove-local" in out,
                f"--remove-local before a server opened the folder on the bucket is refused ({rc})")
        damaged_dir = os.path.join(work, "damaged", "blobs")
        os.makedirs(damaged_dir)
        bad = bytearray(big)
        bad[2000] ^= 1
        with open(os.path.join(damaged_dir, hashlib.sha256(big).hexdigest()), "wb") as f:
            f.write(bad)
        rc, out = run(binary, "migrate-blobs", "--to", "s3", "--data",
                      os.path.join(work, "damaged"), *s3_args("damaged"))
        c.check(rc == 1 and "hash to" in out and
                not s3.list_keys(bucket, f"{tag}-damaged/"),
                f"a damaged blob past the part size is refused, nothing stored ({rc})")
        rc, out = run(binary, "migrate-blobs", "--to", "s3", "--data", mfolder, *s3_args("mig"))
        c.check(rc == 0 and "2 blob(s) stored" in out, f"migrate-blobs copies ({out.strip()})")
        moved = Server(binary, data=mig, extra=s3_args("mig"))
        servers.append(moved)
        c.check(download(moved, mpid, "big")[2] == big, "served from the folder on S3")
        rc, out = run(binary, "migrate-blobs", "--to", "s3", "--data", mfolder, *s3_args("mig"),
                      "--remove-local")
        c.check(rc == 0 and not os.listdir(os.path.join(mfolder, "blobs")),
                f"--remove-local empties the folder ({out.strip()})")
        c.check(download(moved, mpid, "big")[2] == big and
                download(moved, mpid, "small")[2] == small, "then served from the bucket")
        moved.stop()
        rc, out = run(binary, "check", "--data", mfolder, *s3_args("mig"))
        c.check(rc == 0, f"check is clean after the migration ({rc})")
    finally:
        for s in servers:
            s.close()
        shutil.rmtree(work, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
