#!/usr/bin/env python3
"""Writes the fuzz targets' seed inputs into tests/fuzz/corpus/<target>/ (run it again after
changing a seed here; the files are committed). Each seed is small and shaped like what real
clients send: python-gitlab's query strings and JSON bodies, npm's publish body, twine's form,
@gitbeaker's multipart upload, pip's Accept header, real tarballs and wheels. The inputs a
fuzzer found a bug with are kept beside them, as they were found (not written here)."""
import base64
import gzip
import hashlib
import io
import json
import pathlib
import tarfile
import zipfile

root = pathlib.Path(__file__).resolve().parent / "corpus"


def put(target, name, data):
    d = root / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


# ---- query strings and form bodies (routing/params.cpp, server/access_log.cpp)
for i, q in enumerate([
    "per_page=20&page=2&sort=desc&order_by=created_at",
    "package_type=npm&package_name=left-pad&include_versionless=true&status=default",
    "private_token=glpat-0123456789abcdefghij&exclude_subgroups=true",
    "job_token=64_chars_of_job_token&token=x&order_by=version",
    "name[]=a&name[]=b&name=c&empty=&=nokey&flag",
    "%70rivate%5Ftoken=secret&a=%E2%9C%93+b&PASSWORD=p&Secret_Key[]=1",
    "cursor=eyJpZCI6IjQyIiwiX2tkIjoibiJ9&per_page=5",
    "visibility=private&search=my+group&min_access_level=30&all_available=1",
    "bad=%zz&next=%",
]):
    put("query", f"q{i}", q)

# ---- JSON bodies (routing/params.cpp) as python-gitlab and the setup API send them
for i, body in enumerate([
    {"username": "alice", "email": "alice@example.com", "password": "secret123",
     "name": "Alice", "admin": False, "skip_confirmation": True},
    {"name": "ci", "scopes": ["api", "read_api"], "expires_at": "2030-01-01"},
    {"name": "group", "path": "group", "visibility": "private", "parent_id": 12},
    {"name": "project", "namespace_id": 3, "visibility": "internal", "packages_enabled": True},
    {"user_id": 5, "access_level": 30, "expires_at": None},
    {"state": "running", "ref": "main", "name": "build", "target_url": "http://ci/1",
     "description": "a \"quoted\" text \u00e9\u2713"},
    {"a": {"b": [1, {"c": 2}]}, "list": [1.5, -2, 1e3, True, None, "x", [1, [2]], {"k": "v"}],
     "big": 18446744073709551615, "neg": -9223372036854775808, "exp": 1.25e-7},
    {"id": "42", "_kd": "n"},
]):
    put("json_body", f"body{i}", json.dumps(body, ensure_ascii=i % 2 == 0))
put("json_body", "dup", '{"a":1,"b":[1,2],"a":[3],"b":{"x":[[]]},"c":"\\u0000\\ud83d\\ude00"}')
put("json_body", "deep", '{"a":' + "[" * 99 + "]" * 99 + "}")

# ---- router (first byte: the method, 0 GET 1 HEAD 2 POST 3 PUT 4 PATCH 5 DELETE 6 OPTIONS)
for i, (m, path) in enumerate([
    (0, "/api/v4/projects/group%2Fproject/packages"),
    (1, "/api/v4/projects/7/packages/generic/my.pkg/1.0.0/dir/file.tar.gz"),
    (3, "/api/v4/projects/7/packages/generic/pkg/1.0.0/file.bin"),
    (0, "/api/v4/projects/7/packages/npm/@scope/pkg/-/@scope/pkg-1.0.0.tgz"),
    (0, "/api/v4/groups/g%2Fsub/-/packages/npm/@scope%2fpkg"),
    (3, "/api/v4/projects/7/packages/npm/@scope%2fpkg"),
    (0, "/api/v4/projects/7/packages/pypi/simple/my-package/"),
    (0, "/api/v4/projects/7/packages/pypi/files/" + "a" * 64 + "/pkg-1.0-py3-none-any.whl"),
    (2, "/api/v4/projects/7/packages/pypi"),
    (5, "/api/v4/projects/7/packages/12/package_files/13"),
    (6, "/api/v4/projects/7/packages"),
    (4, "/api/v4/users"),
    (0, "/-/health"),
    (2, "/api/v4/projects/7/statuses/0123abcd"),
    (0, "/api/v4/packages/npm/-/package/pkg/dist-tags"),
    (0, "api/v4/user"),
]):
    put("router", f"path{i}", bytes([m]) + path.encode())

# ---- multipart (routing/multipart.cpp): the Content-Type line, then the body
def form(boundary, parts, end=True):
    out = b""
    for headers, content in parts:
        out += b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n"
    return out + (b"--" + boundary + b"--\r\n" if end else b"")


twine = form(b"xx", [
    (b'Content-Disposition: form-data; name=":action"', b"file_upload"),
    (b'Content-Disposition: form-data; name="name"', b"My_Package"),
    (b'Content-Disposition: form-data; name="version"', b"1.0.0rc1"),
    (b'Content-Disposition: form-data; name="sha256_digest"', b"a" * 64),
    (b'Content-Disposition: form-data; name="md5_digest"', b"0" * 32),
    (b'Content-Disposition: form-data; name="requires_python"', b">=3.8"),
    (b'Content-Disposition: form-data; name="description"', b"A long description " * 3),
    (b'Content-Disposition: form-data; name="content"; filename="my_package-1.0.0rc1.tar.gz"\r\n'
     b"Content-Type: application/octet-stream", b"\x1f\x8b\x08\x00binary\r\n--x\r\n--xy"),
])
put("multipart", "twine", b"multipart/form-data; boundary=xx\n" + twine)
gitbeaker = (b"preamble\r\n" + form(b"----formdata-undici-0123456789", [
    (b'Content-Disposition: form-data; name="file"; filename="file.bin"\r\n'
     b"Content-Type: application/octet-stream", b"bytes of the file\r\n--"),
]) + b"epilogue")
put("multipart", "gitbeaker",
    b'multipart/form-data; boundary="----formdata-undici-0123456789"\n' + gitbeaker)
put("multipart", "repeated", b"Multipart/Form-Data; charset=utf-8; boundary=B\n" + form(b"B", [
    (b'content-disposition: form-data; name="name"', b"first"),
    (b'Content-Disposition: form-data; name=name', b"second"),
    (b'Content-Disposition: form-data; filename="a\\"b.whl"; name="content"', b""),
]))
put("multipart", "unterminated", b"multipart/form-data; boundary=xx\n" + form(b"xx", [
    (b'Content-Disposition: form-data; name="file"', b"no end"),
], end=False))
put("multipart", "raw", b"application/octet-stream\nplain bytes")
put("multipart", "mixed", b"multipart/mixed; boundary=xx\n--xx--\r\n")

# ---- credentials: flags byte (1 job tokens, 2 Basic), then Authorization, PRIVATE-TOKEN,
# JOB-TOKEN, the query and a Cookie header, one per line
def basic(pair):
    return "Basic " + base64.b64encode(pair.encode()).decode()


for i, (flags, lines) in enumerate([
    (3, [basic("gitlab-ci-token:64_chars_of_job_token"), "", "", ""]),
    (2, [basic("alice:glpat-0123456789abcdefghij"), "", "", ""]),
    (0, ["Bearer glpat-0123456789abcdefghij", "", "", ""]),
    (1, ["", "", "job-token-from-header", "job_token=x"]),
    (0, ["", "glpat-header", "", "private_token=glpat-query"]),
    (1, ["", "", "", "token=y&private_token="]),
    (3, ["basic " + base64.b64encode(b"user:").decode() + "  ", "", "", ""]),
    (2, ["Basic QQ==QQ==", "", "", ""]),
    (0, ["", "", "", "", "_ga=1; _packyard_session=AbC_dEf-123 ; _packyard_csrf=xyz"]),
    (0, ["", "", "", "", "_packyard_session_x=1;_packyard_session=;=;_packyard_csrf"]),
]):
    put("credentials", f"cred{i}", bytes([flags]) + "\n".join(lines).encode())

# ---- npm publish bodies (routing/npm/), as `npm publish` and `npm deprecate` send them
def tarball(package_json, gz=True, name="package/package.json", extra=()):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for n, data in [(name, package_json)] + list(extra):
            info = tarfile.TarInfo(n)
            info.size = len(data)
            info.mtime = 499162500
            t.addfile(info, io.BytesIO(data))
    # Without tar's padding to 10 KiB: the members and the two zero blocks that end them.
    used = sum(512 + (len(d) + 511) // 512 * 512 for _, d in [(name, package_json)] + list(extra))
    raw = buf.getvalue()[:used + 1024]
    return gzip.compress(raw, mtime=0) if gz else raw


manifest = json.dumps({"name": "@scope/pkg", "version": "1.0.0", "main": "index.js"}).encode()
tgz = tarball(manifest, extra=[("package/index.js", b"module.exports = 1;\n")])


def publish_body(tgz_bytes, name="@scope/pkg", version="1.0.0", spelled=None, readme="# pkg"):
    data = base64.b64encode(tgz_bytes).decode()
    shasum = hashlib.sha1(tgz_bytes).hexdigest()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tgz_bytes).digest()).decode()
    doc = {
        "_id": name, "name": name, "description": "a package",
        "dist-tags": {"latest": version},
        "versions": {version: {
            "name": name, "version": version, "main": "index.js", "readme": readme,
            "scripts": {"test": "node test.js", "postinstall": "node x.js"},
            "_id": f"{name}@{version}", "_nodeVersion": "20.10.0", "_npmVersion": "10.2.3",
            "dist": {"integrity": integrity, "shasum": shasum,
                     "tarball": f"http://localhost/{name}/-/{name}-{version}.tgz"}}},
        "access": None,
        "_attachments": {f"{name}-{version}.tgz": {
            "content_type": "application/octet-stream", "data": "@DATA@",
            "length": len(tgz_bytes)}},
    }
    text = json.dumps(doc)
    return text.replace("@DATA@", spelled if spelled is not None else data)


put("npm_publish", "publish", publish_body(tgz))
data = base64.b64encode(tgz).decode()
put("npm_publish", "escaped", publish_body(
    tgz, spelled=data.replace("/", "\\/").replace("A", "\\u0041", 3)[:60] + "\\n" +
    data.replace("/", "\\/")[60:]))
put("npm_publish", "deprecate", json.dumps({
    "_id": "pkg", "name": "pkg", "dist-tags": {"latest": "1.0.1"},
    "versions": {"1.0.0": {"name": "pkg", "version": "1.0.0", "deprecated": "use 2"},
                 "1.0.1": {"name": "pkg", "version": "1.0.1", "deprecated": ""}}}))
two = json.loads(publish_body(tgz, name="pkg"))
two["_attachments"] = {"other.tgz": {"data": "c2Vjb25k"},
                       "pkg-1.0.0.tgz": {"data": base64.b64encode(tgz).decode()}}
put("npm_publish", "second_attachment", json.dumps(two))
put("npm_publish", "empty_attachments", '{"name":"a","versions":{},"_attachments":{}}')

# ---- npm names and versions: three lines
for i, text in enumerate([
    "@scope/pkg\n1.0.0-beta.1+build.5\nv1.0.0",
    "left-pad\n1.0.0\n=1.0.0",
    "@.git/x\n01.0.0\n1.0.0-0A.is.legal",
    "@a_b/c.d+e\n1.2.3-alpha.10\n1.2.3-alpha.9",
    "1.0.0.1\n1.0.0-rc1\n4294967296.0.0",
]):
    put("npm_names", f"names{i}", text)

# ---- npm tarballs (routing/npm/tarball_manifest.cpp): gzip and plain tar
put("npm_tarball", "tgz", tgz)
put("npm_tarball", "plain_tar", tarball(manifest, gz=False))
put("npm_tarball", "other_dir", tarball(json.dumps(
    {"name": "@scope/pkg", "version": "v1.0.0+build"}).encode(), gz=False, name="pkg/package.json"))
put("npm_tarball", "incoherent", tarball(json.dumps(
    {"name": "other", "version": "1.0.0"}).encode(), gz=False))
put("npm_tarball", "no_manifest", tarball(b"x", gz=False, name="package/index.js"))

# ---- PyPI names: the first byte is truncate's length, then lines
for i, text in enumerate([
    b"\x10My_Package.Name\n1.0.0rc1\nv2!1.0.post1.dev3+local.7\n" + b"A" * 64,
    b"\x05caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9e\napplication/vnd.pypi.simple.v1+json",
    b"\x00<script>alert('x')</script> & \"q\"\ntext/html, application/vnd.pypi.simple.latest+json;q=0.1",
    b"\xffsome/scope@pkg/name\n1.0-1\n1.0_a-1",
]):
    put("pypi_names", f"names{i}", text)

# ---- Maven URLs (routing/maven/paths.cpp): the encoded *path/:file_name, then versions
for i, text in enumerate([
    "com/acme/demo/1.0/demo-1.0.jar\n1.0\n1.1\n1.2-SNAPSHOT",
    "com/acme/demo/maven-metadata.xml.sha1\n2.0-SNAPSHOT",
    "com/acme/demo/1.2-SNAPSHOT/demo-1.2-20261202.063334-2.jar.md5",
    "com/ac%20me/../demo/1..0/a%2Fb.jar\n<script>&amp;\n",
    "@scope/x/1.0+build/%2e%2e\n",
    "demo/maven-metadata.xml",
]):
    put("maven_paths", f"url{i}", text)

# ---- wheels (routing/pypi/wheel_metadata.cpp)
def wheel(files, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for n, data in files:
            z.writestr(zipfile.ZipInfo(n, (1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


meta = b"Metadata-Version: 2.1\nName: my-package\nVersion: 1.0.0\nRequires-Python: >=3.8\n"
put("wheel_metadata", "wheel", wheel([
    ("my_package/__init__.py", b"x = 1\n"),
    ("my_package-1.0.0.dist-info/METADATA", meta),
    ("my_package-1.0.0.dist-info/WHEEL", b"Wheel-Version: 1.0\n"),
    ("my_package-1.0.0.dist-info/RECORD", b""),
]))
put("wheel_metadata", "stored", wheel([("p-1.dist-info/METADATA", meta)], zipfile.ZIP_STORED))
put("wheel_metadata", "two_dist_info", wheel([
    ("a-1.dist-info/METADATA", meta), ("b-1.dist-info/METADATA", meta)], zipfile.ZIP_STORED))
put("wheel_metadata", "nested", wheel([("x/p-1.dist-info/METADATA", meta)], zipfile.ZIP_STORED))

# ---- requests on the wire (server/request_reader.cpp, request_framing.cpp)
for i, req in enumerate([
    b"GET /api/v4/projects?per_page=2&private_token=x HTTP/1.1\r\nHost: localhost\r\n"
    b"User-Agent: python-gitlab/4.4.0\r\nAccept: */*\r\n\r\n",
    b"POST /api/v4/users HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
    b"Content-Length: 17\r\n\r\n{\"username\":\"a\"}x",
    b"PUT /api/v4/projects/1/packages/generic/p/1/f HTTP/1.1\r\nHost: h\r\n"
    b"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
    b"5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n",
    b"GET / HTTP/1.0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n",
    b"\r\nDELETE /api/v4/projects/1 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n"
    b"Connection: close\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\nx",
]):
    put("request_header", f"req{i}", req)

# ---- json_writer programs (bytes as events: 0 { 1 } 2 [ 3 ] 4 string 5 i64 6 u64 7 bool
# 8 null 9 time 10 raw 11 optional string)
put("json_writer", "object", b"\x00\x04\x02id\x05\x00\x00\x00\x00\x00\x00\x00\x2a"
    b"\x04\x04name\x04\x0cwith \"quote\"\x04\x01t\x09\x00\x00\x01\x8c\x00\x00\x00\x00\x01")
put("json_writer", "array", b"\x02\x08\x07\x01\x0a\x0b\x01\x03abc\x04\x1516 plain bytes here!!\x03")
put("json_writer", "controls", b"\x04\x20\x00\x01\x1f\x7f\xc3\xa9\\\"" + b"x" * 24)

# ---- dates
for i, d in enumerate(["2030-01-01", "2024-02-29T12:34:56Z", "Sun, 06 Nov 1994 08:49:37 GMT",
                       "2016-12-31T23:59:60", "2023-02-29", "0000-01-01 00:00:00"]):
    put("dates", f"date{i}", d)
