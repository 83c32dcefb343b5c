#!/usr/bin/python3
"""The calls packyard's S3 blob backend will make, signed by packyard's own SigV4 code
(store/s3/sigv4.cpp through the s3_sign tool), against a real Ceph RADOS Gateway started by
tests/s3/rgw.sh. Prints what the gateway answers (docs/s3-notes.md records it) and fails on any
answer the backend could not rely on.

Usage: /usr/bin/python3 tests/s3/rgw_test.py S3_SIGN_BINARY
Exit 77 (ctest: skipped) when the Ceph packages are missing (scripts/deps.sh --tests).
"""
import datetime
import hashlib
import http.client
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

SIGN = sys.argv[1]
HERE = pathlib.Path(__file__).resolve().parent
if not all(shutil.which(b) for b in ("ceph-mon", "ceph-osd", "radosgw", "curl")):
    print("skipped: ceph-mon, ceph-osd, radosgw or curl missing (scripts/deps.sh --tests)")
    sys.exit(77)

failures = []


def check(what, ok, detail=""):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}{': ' + str(detail) if detail else ''}", flush=True)
    if not ok:
        failures.append(what)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def wire(key):
    # S3's UriEncode() of the path, '/' kept: what is sent is what is signed.
    return urllib.parse.quote(key, safe="/-._~")


class S3:
    def __init__(self, env):
        self.env = env
        self.endpoint = env["S3_ENDPOINT"]
        assert self.endpoint.startswith("http://127.0.0.1:"), self.endpoint
        self.hostport = self.endpoint.removeprefix("http://")

    def signed_headers(self, method, target, payload_hash, extra, date=None):
        env = {**self.env, "S3_SIGN_DATE": date} if date else self.env
        out = subprocess.run([SIGN, "header", method, self.endpoint + target, payload_hash]
                             + [f"{k}:{v}" for k, v in extra.items()],
                             env=env, check=True, capture_output=True, text=True).stdout
        return dict(line.split(": ", 1) for line in out.splitlines())

    def request(self, method, target, body=b"", headers=None, payload_hash=None, tamper=False,
                date=None):
        headers = dict(headers or {})
        h = self.signed_headers(method, target,
                                payload_hash if payload_hash is not None else sha(body), headers,
                                date)
        if tamper:  # a signature off by one hex digit
            a = h["authorization"]
            h["authorization"] = a[:-1] + ("0" if a[-1] != "0" else "1")
        conn = http.client.HTTPConnection(self.hostport, timeout=30)
        conn.request(method, target, body=body if body or method in ("PUT", "POST") else None,
                     headers={**headers, **h})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def presign(self, method, target, expires, date=None):
        env = {**self.env, "S3_SIGN_DATE": date} if date else self.env
        return subprocess.run([SIGN, "presign", method, self.endpoint + target, str(expires)],
                              env=env, check=True, capture_output=True, text=True).stdout.strip()


def xml(tag, data):
    m = re.search(rf"<{tag}>(.*?)</{tag}>".encode(), data, re.S)
    return m.group(1).decode() if m else None


def run(s3):
    # The fixture's own bucket (rgw.sh creates it for packyard, signed by s3_client.py).
    st, _, _ = s3.request("HEAD", "/" + s3.env["S3_BUCKET"])
    check(f"rgw.sh created the bucket {s3.env['S3_BUCKET']}", st == 200, st)
    # s3_client.py, the tests' pure-Python signer, signs as packyard's code does.
    sys.path.insert(0, str(HERE))
    from s3_client import S3 as PyS3
    at = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    for method, target, path, query, extra in (
            ("GET", "/b/dir/a%20b%24%E1%88%B4.tgz?list-type=2&prefix=a%2Fb%20c", "/b/dir/a b$\u1234.tgz",
             [("list-type", "2"), ("prefix", "a/b c")], {}),
            ("PUT", "/b/k", "/b/k", [], {"If-None-Match": "*"}),
            ("POST", "/b/k?uploads", "/b/k", [("uploads", "")], {})):
        ours = s3.signed_headers(method, target, sha(b""), extra, date="20260102T030405Z")
        py = PyS3.from_env(s3.env).sign(method, path, query, dict(extra), sha(b""), now=at)
        check(f"s3_client.py signs {method} {target} as s3_sign does",
              ours["authorization"] == py["Authorization"], (ours["authorization"], py["Authorization"]))

    B = "/packyard-test"
    st, _, body = s3.request("PUT", B, payload_hash=sha(b""), headers={})
    check("create bucket", st == 200, st)

    key = B + "/" + wire("dir/a b$\u1234.tgz")
    blob = os.urandom(100_000)
    st, h, _ = s3.request("PUT", key, blob)
    check("PUT with the body's SHA-256 signed", st == 200, st)
    check("PUT answers the body's MD5 as ETag", h.get("etag") == f'"{hashlib.md5(blob).hexdigest()}"',
          h.get("etag"))
    st, _, _ = s3.request("PUT", B + "/unsigned", blob, payload_hash="UNSIGNED-PAYLOAD")
    check("PUT with UNSIGNED-PAYLOAD", st == 200, st)
    st, _, body = s3.request("PUT", B + "/mismatch", blob, payload_hash=sha(b"other"))
    check("PUT whose body does not match x-amz-content-sha256 is refused",
          st == 400 and xml("Code", body) == "XAmzContentSHA256Mismatch", (st, xml("Code", body)))

    st, h, got = s3.request("GET", key)
    check("GET returns the bytes", st == 200 and got == blob, st)
    st, h, got = s3.request("HEAD", key)
    check("HEAD: 200, Content-Length, no body",
          st == 200 and h.get("content-length") == str(len(blob)) and got == b"",
          (st, h.get("content-length")))
    st, h, got = s3.request("GET", key, headers={"Range": "bytes=10-19"})
    check("ranged GET", st == 206 and got == blob[10:20], (st, h.get("content-range")))

    # Conditional create: the content-addressed blob is written once.
    cas = B + "/cas/" + sha(b"one")
    st1, _, _ = s3.request("PUT", cas, b"one", headers={"If-None-Match": "*"})
    st2, _, body = s3.request("PUT", cas, b"one", headers={"If-None-Match": "*"})
    check("If-None-Match: * creates, then 412 PreconditionFailed",
          st1 == 200 and st2 == 412 and xml("Code", body) == "PreconditionFailed",
          (st1, st2, xml("Code", body)))
    print("    412 body:", body.decode()[:300])

    st, _, body = s3.request("GET", B + "/missing")
    check("GET of a missing key: 404 NoSuchKey", st == 404 and xml("Code", body) == "NoSuchKey",
          (st, xml("Code", body)))
    print("    404 body:", body.decode()[:300])
    st, _, body = s3.request("HEAD", B + "/missing")
    check("HEAD of a missing key: 404 without a body", st == 404 and body == b"", st)
    st, _, body = s3.request("GET", key, tamper=True)
    check("a wrong signature: 403 SignatureDoesNotMatch",
          st == 403 and xml("Code", body) == "SignatureDoesNotMatch", (st, xml("Code", body)))
    print("    403 body:", body.decode()[:400])

    # Multipart: initiate, two parts (every part but the last at least 5 MiB), complete.
    mkey = B + "/multi"
    st, _, body = s3.request("POST", mkey + "?uploads", payload_hash=sha(b""))
    upload = xml("UploadId", body)
    check("initiate multipart upload", st == 200 and upload, (st, upload))
    parts = [os.urandom(5 * 1024 * 1024), os.urandom(1234)]
    etags = []
    for n, part in enumerate(parts, 1):
        st, h, _ = s3.request("PUT", f"{mkey}?partNumber={n}&uploadId={urllib.parse.quote(upload, safe='')}",
                              part)
        etags.append(h.get("etag"))
        check(f"upload part {n}", st == 200 and h.get("etag"), (st, h.get("etag")))
    done = ("<CompleteMultipartUpload>" + "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in enumerate(etags, 1))
        + "</CompleteMultipartUpload>").encode()
    st, _, body = s3.request("POST", f"{mkey}?uploadId={urllib.parse.quote(upload, safe='')}", done)
    check("complete multipart upload", st == 200 and xml("Key", body) is not None, st)
    print("    complete body:", body.decode()[:400])
    st, h, _ = s3.request("HEAD", mkey)
    print("    ETag in the completion:", repr(xml("ETag", body)), " HEAD's ETag:", h.get("etag"))
    md5s = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    check("HEAD's multipart ETag is the MD5 of the parts' MD5s, then -2",
          h.get("etag") == f'"{md5s}-2"', h.get("etag"))
    check("HEAD after multipart: size and a '-2' ETag",
          h.get("content-length") == str(sum(map(len, parts))) and (h.get("etag") or "").endswith('-2"'),
          (h.get("content-length"), h.get("etag")))
    st, _, got = s3.request("GET", mkey)
    check("GET after multipart returns the parts in order", got == b"".join(parts), st)
    st, _, body = s3.request("POST", B + "/aborted?uploads", payload_hash=sha(b""))
    aborted = xml("UploadId", body)
    st, _, _ = s3.request("DELETE", f"{B}/aborted?uploadId={urllib.parse.quote(aborted, safe='')}")
    check("abort multipart upload: 204", st == 204, st)

    # ListObjectsV2, 10 a page.
    for i in range(25):
        s3.request("PUT", f"{B}/page/{i:03d}", b"")
    keys, token, pages = [], None, 0
    while True:
        q = "?list-type=2&max-keys=10&prefix=page%2F"
        if token:
            q += "&continuation-token=" + urllib.parse.quote(token, safe="")
        st, _, body = s3.request("GET", B + q)
        if pages == 0:
            print("    first page:", re.sub(r"<Contents>.*</Contents>", "<Contents>...</Contents>",
                                             body.decode(), flags=re.S)[:500])
        pages += 1
        keys += re.findall(r"<Key>(.*?)</Key>", body.decode())
        if xml("IsTruncated", body) != "true":
            break
        token = xml("NextContinuationToken", body)
    check("ListObjectsV2: 25 keys in 3 pages of 10", (len(keys), pages) == (25, 3), (len(keys), pages))

    # A presigned GET, fetched by plain curl, answering GitLab's Content-Disposition.
    cd = 'attachment; filename="a b$.tgz"'
    url = s3.presign("GET", key + "?response-content-disposition=" + urllib.parse.quote(cd, safe=""),
                     300)
    out = subprocess.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "-m", "10", url],
                         capture_output=True, text=True).stdout
    disp = re.search(r"(?im)^content-disposition: (.*?)\r?$", out)
    check("presigned GET with response-content-disposition via curl",
          out.startswith("HTTP/1.1 200") and disp and disp.group(1) == cd,
          (out.splitlines()[0] if out else "", disp.group(1) if disp else None))
    got = subprocess.run(["curl", "-sS", "-m", "10", url], capture_output=True).stdout
    check("presigned GET body", got == blob)
    st = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "10",
                         url.replace("X-Amz-Expires=300", "X-Amz-Expires=301")],
                        capture_output=True, text=True).stdout
    check("a presigned URL altered after signing: 403", st == "403", st)

    # Time: a request signed an hour ago, a presigned URL past its X-Amz-Expires.
    hour_ago = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 3600))
    st, _, body = s3.request("GET", key, date=hour_ago)
    check("a request signed an hour ago: 403 RequestTimeTooSkewed",
          st == 403 and xml("Code", body) == "RequestTimeTooSkewed", (st, xml("Code", body)))
    url = s3.presign("GET", key, 60, date=hour_ago)
    out = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}", "-m", "10", url],
                         capture_output=True, text=True).stdout
    check("an expired presigned URL: 403 AccessDenied",
          out.endswith("403") and xml("Code", out.encode()) == "AccessDenied",
          (out[-3:], xml("Code", out.encode())))
    print("    expired body:", out[:300].replace("\n", " "))

    # Without x-amz-content-sha256 (curl's own SigV4, which does not add it).
    env = s3.env
    out = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "-m", "10",
                          "--aws-sigv4", "aws:amz:us-east-1:s3", "--user",
                          env["AWS_ACCESS_KEY_ID"] + ":" + env["AWS_SECRET_ACCESS_KEY"],
                          s3.endpoint + key], capture_output=True, text=True).stdout
    print("    GET signed without x-amz-content-sha256:", out[-3:], xml("Code", out.encode()))

    st, _, _ = s3.request("DELETE", key)
    check("DELETE: 204", st == 204, st)
    st, _, _ = s3.request("DELETE", key)
    check("DELETE of a missing key: 204 too", st == 204, st)
    st, _, _ = s3.request("HEAD", key)
    check("HEAD after DELETE: 404", st == 404, st)

    st, _, body = s3.request("DELETE", B)
    check("DELETE of a bucket that holds objects: 409 BucketNotEmpty",
          st == 409 and xml("Code", body) == "BucketNotEmpty", (st, xml("Code", body)))


def main():
    d = tempfile.mkdtemp(prefix="packyard-rgw-")
    t0 = time.monotonic()
    started = subprocess.run([str(HERE / "rgw.sh"), "start", d], stdout=subprocess.PIPE, text=True)
    start_s = time.monotonic() - t0
    try:
        if started.returncode != 0:
            print("rgw.sh start failed")
            return 1
        env = dict(os.environ)
        for line in open(started.stdout.strip().splitlines()[-1]):
            k, _, v = line.strip().removeprefix("export ").partition("=")
            env[k] = v
        print(f"gateway started in {start_s:.1f} s at {env['S3_ENDPOINT']}")
        t1 = time.monotonic()
        run(S3(env))
        print(f"checks took {time.monotonic() - t1:.1f} s")
    finally:
        t2 = time.monotonic()
        subprocess.run([str(HERE / "rgw.sh"), "stop", d])
        print(f"gateway stopped in {time.monotonic() - t2:.1f} s")
    if failures:
        print(f"{len(failures)} check(s) failed: {failures}")
        return 1
    return 0


sys.exit(main())
