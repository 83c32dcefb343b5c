#!/usr/bin/env python3
"""packyard's benchmark driver: every scenario against packyard and nginx (same bytes, same
machine), alternating runs, medians, one table. Load comes from wrk on this machine."""

import argparse
import base64
import concurrent.futures
import gzip
import hashlib
import http.client as httpclient
import io
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request

TOKEN = "glpat-benchtoken000000000000"


def fail(message):
    # Printed at once: a second failure on the way out (a finally block) must not hide this one.
    if message:
        print(message, file=sys.stderr, flush=True)
    sys.exit(1)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def parse_duration_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def cpu_seconds(pid):
    # utime + stime of the server process: the CPU one request costs, free of wrk's own share
    # of the two cores.
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url, conns, duration, threads=2, script=None, headers=(), server=None):
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{duration}s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    cpu0 = cpu_seconds(server.proc.pid) if server else None
    done = subprocess.run(cmd, capture_output=True, text=True)
    cpu1 = cpu_seconds(server.proc.pid) if server else None
    if done.returncode != 0:
        # wrk exits 1 without a word on stdout when it cannot connect: say why, and whether a
        # server under test has died.
        dead = [p.describe_exit() for p in Packyard.running if p.proc.poll() is not None]
        fail(f"wrk failed (exit {done.returncode}) on {url}: {done.stderr.strip()}"
             + "".join(f"\n{d}" for d in dead))
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = parse_duration_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = parse_duration_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    cpu_us = (cpu1 - cpu0) / requests * 1e6 if server and requests else float("nan")
    return {"rps": rps, "p50": p50, "p99": p99, "errors": int(non2xx.group(1)) if non2xx else 0,
            "cpu_us": cpu_us}


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.status, r.read(), dict(r.headers)


class Packyard:
    running = []  # every started server, for the report when a load run fails

    def __init__(self, binary, data, extra=(), env=None):
        """extra: further `packyard serve` options; env: further environment variables."""
        self.port = None
        self.reported = False
        env = dict(os.environ, PACKYARD_ROOT_TOKEN=TOKEN, **(env or {}))
        self.log = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", "127.0.0.1:0", "--data", data, "--access-log", "false",
             *extra],
            stdout=subprocess.PIPE, stderr=self.log, env=env, text=True)
        line = self.proc.stdout.readline()
        if not line:  # it exited before listening (a bad option, an unreachable store)
            self.proc.wait(timeout=20)
            fail(self.describe_exit())
        self.port = int(line.strip().rsplit(":", 1)[1])
        self.base = f"http://127.0.0.1:{self.port}"
        Packyard.running.append(self)

    def describe_exit(self):
        self.reported = True
        rc = self.proc.returncode
        how = f"signal {signal.Signals(-rc).name}" if rc < 0 else f"status {rc}"
        self.log.seek(0)
        tail = "".join(self.log.readlines()[-5:])
        return f"packyard on port {self.port} has exited ({how}); its last log lines:\n{tail}"

    def stop(self):
        # A server that died under load must fail the run, not pass unnoticed.
        if self not in Packyard.running:
            return  # stopped already
        Packyard.running.remove(self)
        if self.proc.poll() is not None:
            fail(self.describe_exit() if not self.reported else "")
        self.proc.send_signal(signal.SIGTERM)
        if self.proc.wait(timeout=20) != 0:
            fail(self.describe_exit())


class Nginx:
    """nginx at its best for each file it serves. Small responses (the JSON pages, a tarball):
    sendfile off, so the file is read into nginx's buffer and leaves with the header in one
    write, and open_file_cache keeps the descriptors; files of 64 KiB and more (the download,
    large packuments and simple pages): sendfile on with tcp_nopush (a 457 KB file went out
    at 6,000-7,000 r/s with it, 4,600-6,600 without), as packyard itself switches to
    sendfile(2) for cached bodies of 64 KiB and more. Connections stay open for the whole run
    (keepalive_requests, keepalive_timeout)."""

    LARGE = 64 << 10
    COMMON = ("worker_processes 2; access_log off; tcp_nodelay on; keepalive_requests 1000000; "
              "keepalive_timeout 300s; open_file_cache max=10000 inactive=60s; open_file_cache_valid 60s")
    SMALL = "sendfile off"
    BIG = "sendfile on; tcp_nopush on"

    def __init__(self, files):
        self.dir = tempfile.mkdtemp(prefix="packyard-nginx-")
        self.port = free_port()
        self.large = {name for name, (path, _) in files.items() if os.path.getsize(path) >= self.LARGE}
        locations = "\n".join(
            f"    location = /{name} {{ alias {path}; default_type \"{ctype}\";"
            + (f" {self.BIG};" if name in self.large else "") + " }"
            for name, (path, ctype) in files.items())
        conf = f"""worker_processes 2;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log;
daemon off;
user root;
events {{ worker_connections 4096; }}
http {{
  access_log off; {self.SMALL}; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 300s;
  open_file_cache max=10000 inactive=60s; open_file_cache_valid 60s;
  client_body_temp_path {self.dir}/body; proxy_temp_path {self.dir}/proxy;
  fastcgi_temp_path {self.dir}/fastcgi; uwsgi_temp_path {self.dir}/uwsgi; scgi_temp_path {self.dir}/scgi;
  server {{
    listen 127.0.0.1:{self.port};
{locations}
  }}
}}
"""
        with open(f"{self.dir}/nginx.conf", "w") as f:
            f.write(conf)
        with open(f"{self.dir}/stderr", "w") as err:
            self.proc = subprocess.Popen(["nginx", "-c", f"{self.dir}/nginx.conf", "-p", self.dir],
                                         stdout=subprocess.DEVNULL, stderr=err)
        for _ in range(100):
            if self.proc.poll() is not None:
                with open(f"{self.dir}/stderr") as f:
                    fail(f"nginx exited (status {self.proc.returncode}): {f.read().strip()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        self.base = f"http://127.0.0.1:{self.port}"

    def settings(self, names):
        """One line: the settings every file had, then which rows were served as large files.
        names: the file name (location) of each table row."""
        big = [row for row, location in names if location in self.large]
        small = f"responses under {self.LARGE >> 10} KiB"
        if not big:
            return f"nginx: {self.COMMON}; {self.SMALL} (every response here: {small})"
        return f"nginx: {self.COMMON}; {self.BIG} for: {', '.join(big)}; {self.SMALL} for the rest ({small})"

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)
        self.proc.wait(timeout=20)


def npm_body(name, version):
    """An `npm publish` body as npm 11 sends it: a real tarball in base64 next to the metadata."""
    manifest = json.dumps({"name": name, "version": version, "main": "index.js",
                           "dependencies": {"left-pad": "^1.3.0"}, "engines": {"node": ">=18"}})
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for path, text in (("package/package.json", manifest),
                           ("package/index.js", f"module.exports = {json.dumps(version)};\n")):
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    tgz = gzip.compress(raw.getvalue(), mtime=0)
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()
    doc = {"_id": name, "name": name, "description": "bench", "dist-tags": {"latest": version},
           "versions": {version: {**json.loads(manifest), "readme": "# bench\n", "_id": f"{name}@{version}",
                                  "dist": {"integrity": integrity,
                                           "shasum": hashlib.sha1(tgz).hexdigest(),
                                           "tarball": "http://x/y.tgz"}}},
           "access": None,
           "_attachments": {f"{name}-{version}.tgz": {"content_type": "application/octet-stream",
                                                        "data": base64.b64encode(tgz).decode(),
                                                        "length": len(tgz)}}}
    return json.dumps(doc).encode()


def npm_publish_all(base, project, name, versions, threads, existing_ok=False):
    """Publishes each version with `threads` keep-alive clients; returns per-request seconds.
    existing_ok: a version already there (a reused store) is not an error."""
    port = int(base.rsplit(":", 1)[1])
    path = f"/api/v4/projects/{project}/packages/npm/{name.replace('/', '%2f')}"
    bodies = [npm_body(name, v) for v in versions]
    chunks = [bodies[i::threads] for i in range(threads)]

    def run(mine):
        conn = httpclient.HTTPConnection("127.0.0.1", port, timeout=120)
        took = []
        for body in mine:
            t0 = time.perf_counter()
            conn.request("PUT", path, body, {"Authorization": f"Bearer {TOKEN}",
                                             "Content-Type": "application/json",
                                             "npm-command": "publish"})
            r = conn.getresponse()
            r.read()
            if r.status != 200 and not (existing_ok and r.status == 403):
                fail(f"npm publish answered {r.status}")
            took.append(time.perf_counter() - t0)
        conn.close()
        return took

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return [t for part in pool.map(run, chunks) for t in part]


def pypi_upload_all(base, project, name, count, threads):
    """Uploads `count` distributions of `name` as twine does (five per version: an sdist and
    four wheels), with `threads` keep-alive clients. A file already there (a reused store)
    answers 400, which is not an error here."""
    port = int(base.rsplit(":", 1)[1])
    path = f"/api/v4/projects/{project}/packages/pypi"
    stem = name.replace("-", "_")
    tags = ["tar.gz", "py3-none-any.whl", "cp311-cp311-manylinux_2_17_x86_64.whl",
            "cp312-cp312-manylinux_2_17_x86_64.whl", "cp311-cp311-win_amd64.whl"]
    bodies = []
    for i in range(count):
        version = f"1.{i // 5 // 100}.{i // 5 % 100}"
        tag = tags[i % 5]
        file_name = f"{name}-{version}.{tag}" if tag == "tar.gz" else f"{stem}-{version}-{tag}"
        content = os.urandom(2048)
        fields = {":action": "file_upload", "protocol_version": "1", "name": name,
                  "version": version, "requires_python": ">=3.8",
                  "sha256_digest": hashlib.sha256(content).hexdigest(), "summary": "bench"}
        body = b"".join(f'--BB\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                        for k, v in fields.items())
        body += (f'--BB\r\nContent-Disposition: form-data; name="content"; filename="{file_name}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n--BB--\r\n"
        bodies.append(body)
    chunks = [bodies[i::threads] for i in range(threads)]

    def run(mine):
        conn = httpclient.HTTPConnection("127.0.0.1", port, timeout=120)
        for body in mine:
            conn.request("POST", path, body, {"PRIVATE-TOKEN": TOKEN,
                                              "Content-Type": "multipart/form-data; boundary=BB"})
            r = conn.getresponse()
            r.read()
            if r.status not in (201, 400):
                fail(f"pypi upload answered {r.status}")
        conn.close()

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, chunks))


def a_b(args, data, scenarios):
    """The read scenarios against this binary and --baseline, one server at a time on the same
    store, the order alternating per round: server CPU per request is the figure compared (r/s
    on a 2-core machine shared with wrk moves with wrk's own share)."""
    results = {"baseline": {}, "this": {}}
    binaries = {"baseline": args.baseline, "this": args.binary}
    for rnd in range(max(args.rounds, 3)):
        for which in (("baseline", "this") if rnd % 2 == 0 else ("this", "baseline")):
            server = Packyard(binaries[which], data)
            try:
                for name, path, _, conns, headers in scenarios:
                    wrk(server.base + path, conns, 1, server=server, headers=headers)  # warm up
                    run = wrk(server.base + path, conns, args.duration, server=server, headers=headers)
                    results[which].setdefault(name, []).append(run["cpu_us"])
            finally:
                server.stop()
    return [(name, statistics.median(results["baseline"][name]), statistics.median(results["this"][name]))
            for name, _, _, _, _ in scenarios]


def print_ab(rows):
    print()
    print("A/B against --baseline: server CPU per request, medians of alternating runs")
    print(f"{'scenario':40} {'baseline us':>12} {'this us':>9} {'change':>8}")
    for name, before, after in rows:
        print(f"{name:40} {before:12.1f} {after:9.1f} {100 * (after - before) / before:+7.1f}%")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--seeder", required=True)
    ap.add_argument("--data", default=None, help="store folder to reuse or create")
    ap.add_argument("--packages", type=int, default=int(os.environ.get("BENCH_PACKAGES", 1000000)))
    ap.add_argument("--projects", type=int, default=int(os.environ.get("BENCH_PROJECTS", 10000)))
    ap.add_argument("--groups", type=int, default=int(os.environ.get("BENCH_GROUPS", 10)))
    ap.add_argument("--big-project", type=int, default=int(os.environ.get("BENCH_BIG_PROJECT", 100000)),
                    help="extra packages in project 1, for the package_name search scenario")
    ap.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 5)))
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    ap.add_argument("--conns", type=int, default=64)
    ap.add_argument("--download-mb", type=int, default=int(os.environ.get("BENCH_DOWNLOAD_MB", 100)))
    ap.add_argument("--maven-versions", type=int, default=int(os.environ.get("BENCH_MAVEN_VERSIONS", 50)),
                    help="versions of the Maven artifact whose maven-metadata.xml is read")
    ap.add_argument("--pypi-files", type=int, default=int(os.environ.get("BENCH_PYPI_FILES", 500)),
                    help="distributions of the PyPI package whose simple page is read")
    ap.add_argument("--npm-versions", type=int, default=int(os.environ.get("BENCH_NPM_VERSIONS", 1000)),
                    help="versions of the npm package whose packument is read")
    ap.add_argument("--smoke", action="store_true", help="one short round per scenario (CI)")
    ap.add_argument("--only", action="append", default=[], metavar="SUBSTR",
                    help="run only the scenarios whose name contains SUBSTR (repeatable or "
                         "comma-separated; e.g. --only filter); the upload, publish and scale rows "
                         "too only when their name matches")
    ap.add_argument("--baseline", default=None,
                    help="an earlier packyard binary: the read scenarios are also run A/B against it "
                         "(server CPU per request, alternating, same store)")
    args = ap.parse_args()
    only = [part for arg in args.only for part in arg.split(",") if part]

    def wanted(name):
        return not only or any(part in name for part in only)

    if args.smoke:
        args.duration, args.rounds = 1, 1
        args.npm_versions = min(args.npm_versions, 50)
        args.pypi_files = min(args.pypi_files, 50)
        args.maven_versions = min(args.maven_versions, 10)

    shape = f"{args.groups}g-{args.projects}p-{args.packages}n-{args.big_project}b"
    data = args.data or os.path.join("bench", "data", shape)
    if not os.path.exists(os.path.join(data, "db", "data.mdb")):
        print(f"seeding {data} ...", flush=True)
        t0 = time.time()
        subprocess.run([args.seeder, "--data", data, "--groups", str(args.groups), "--subgroups", "2",
                        "--projects", str(args.projects), "--packages", str(args.packages),
                        "--big-project-packages", str(args.big_project)],
                       check=True, env=dict(os.environ, PACKYARD_ROOT_TOKEN=TOKEN))
        print(f"seeded in {time.time() - t0:.1f} s")

    py = Packyard(args.binary, data)
    scenarios = []
    try:
        # Group group-0 with its subgroups holds about 3/30 of all projects (1,000 of 10,000).
        api = "/api/v4"
        # A package of project 2 (which ids land there depends on the seeder's shape).
        _, first, _ = http("GET", f"{py.base}{api}/projects/2/packages?per_page=1")
        pkg = json.loads(first)[0]["id"]
        list_path = f"{api}/projects/2/packages"  # the project list, also the scale check's
        scenarios = [
            ("project list page 1", list_path, "application/json", args.conns, ()),
            ("project list version desc, page 40", f"{api}/projects/2/packages?order_by=version&sort=desc&page=40&per_page=2",
             "application/json", args.conns, ()),
            ("package_name search (big project)", f"{api}/projects/1/packages?package_name=alpha%20core",
             "application/json", args.conns, ()),
            ("group list (group-0)", f"{api}/groups/group-0/packages", "application/json", args.conns, ()),
            ("group list by project_path", f"{api}/groups/group-0/packages?order_by=project_path",
             "application/json", args.conns, ()),
            ("single package", f"{api}/projects/2/packages/{pkg}", "application/json", args.conns, ()),
            ("package files", f"{api}/projects/2/packages/{pkg}/package_files", "application/json", args.conns, ()),
            ("package pipelines", f"{api}/projects/2/packages/{pkg}/pipelines", "application/json", args.conns, ()),
        ]
        # The web pages of the same project (docs/web.md), anonymous like the API rows above: the
        # list page beside "project list page 1", the package page beside "single package".
        _, project2, _ = http("GET", f"{py.base}{api}/projects/2")
        web_path = "/" + json.loads(project2)["path_with_namespace"] + "/-/packages"
        scenarios += [
            ("project list page 1, web page", web_path, "text/html", args.conns, ()),
            ("package page, web page", f"{web_path}/{pkg}", "text/html", args.conns, ()),
        ]
        # A row per filter kind of the list API, anonymous like the rows above: project 1 (the
        # big project) and group-0 (its subgroups' projects included, project 1 among them).
        filters = [
            ("type=npm", "package_type=npm"),
            ("type=npm, order version", "package_type=npm&order_by=version"),
            ("name=alpha", "package_name=alpha"),
            ("version=1.0.3", "package_version=1.0.3"),
            ("status=hidden", "status=hidden"),
            ("versionless, type=maven", "include_versionless=true&package_type=maven"),
            ("type=pypi, version=1.0.3", "package_type=pypi&package_version=1.0.3"),
        ]
        group_filters = filters[:2] + [
            ("type=npm, project_path desc", "package_type=npm&order_by=project_path&sort=desc"),
        ] + filters[2:] + [
            ("exclude_subgroups, type=npm", "exclude_subgroups=true&package_type=npm"),
        ]
        scenarios += [(f"filter project {label}", f"{api}/projects/1/packages?{query}", "application/json",
                       args.conns, ()) for label, query in filters]
        scenarios += [(f"filter group {label}", f"{api}/groups/group-0/packages?{query}", "application/json",
                       args.conns, ()) for label, query in group_filters]
        # npm: a package with many versions (the packument grows with them) published through
        # the real route, its packument in both forms, and one of its tarballs.
        auth = f"PRIVATE-TOKEN: {TOKEN}"
        npm_path = f"{api}/projects/4/packages/npm/@group-0%2fbench-ui"
        npm_rows = [
            (f"npm packument, {args.npm_versions:,} versions", npm_path, "application/json", args.conns,
             (auth, "Accept: application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*")),
            (f"npm packument full, {args.npm_versions:,} versions", npm_path, "application/json",
             args.conns, (auth, "Accept: application/json")),
            ("npm tarball", f"{api}/projects/4/packages/npm/@group-0/bench-ui/-/@group-0/bench-ui-1.0.0.tgz",
             "application/octet-stream", args.conns, (auth,)),
        ]
        # PyPI: the simple page of a package with many files (what pip reads first), and one of
        # its files (its path is known once they are uploaded).
        pypi_names = (f"pypi simple page, {args.pypi_files:,} files", "pypi file download")
        # Maven: a jar (what a build downloads most) and an artifact's maven-metadata.xml
        # (what a version range or a deploy reads), written from the stored versions on every
        # read (docs/decisions/0020-maven-registry.md).
        maven_names = ("maven jar download (64 KiB)",
                       f"maven-metadata.xml, {args.maven_versions} versions")
        download = f"generic download {args.download_mb} MiB"
        upload = "generic upload 4 KiB x64"
        publish = "npm publish x64 (small packages)"
        every = [sc[0] for sc in scenarios + npm_rows] + [*pypi_names, *maven_names, download, upload,
                                                          publish, "scale"]
        if not any(wanted(name) for name in every):
            fail(f"--only {','.join(only)} matches no scenario; they are:\n  " + "\n  ".join(every))
        scenarios = [sc for sc in scenarios if wanted(sc[0])]
        if any(wanted(sc[0]) for sc in npm_rows):
            npm_versions = [f"1.{i // 100}.{i % 100}" for i in range(args.npm_versions)]
            # Projects 4 and 5: the rows above (projects 2 and 3) stay what they were.
            npm_publish_all(py.base, 4, "@group-0/bench-ui", npm_versions, 8, existing_ok=True)
            scenarios += [sc for sc in npm_rows if wanted(sc[0])]
        if any(wanted(name) for name in pypi_names):
            pypi_upload_all(py.base, 4, "bench-lib", args.pypi_files, 8)
            pypi_page = f"{api}/projects/4/packages/pypi/simple/bench-lib/"
            _, page, _ = http("GET", py.base + pypi_page, headers={"PRIVATE-TOKEN": TOKEN})
            first_file = re.search(rb'<a href="http://[^/]+([^"#]+)#', page).group(1).decode()
            scenarios += [sc for sc in [
                (pypi_names[0], pypi_page, "text/html; charset=utf-8", args.conns, (auth,)),
                (pypi_names[1], first_file, "application/octet-stream", args.conns, (auth,)),
            ] if wanted(sc[0])]
        if any(wanted(name) for name in maven_names):
            maven = f"{api}/projects/4/packages/maven/com/bench/lib"
            jar = os.urandom(64 << 10)
            for i in range(args.maven_versions):
                for file_name, body in ((f"lib-1.0.{i}.jar", jar), (f"lib-1.0.{i}.pom", b"<project/>")):
                    http("PUT", f"{py.base}{maven}/1.0.{i}/{file_name}", body, {"PRIVATE-TOKEN": TOKEN})
            http("PUT", f"{py.base}{maven}/maven-metadata.xml", b"<metadata/>", {"PRIVATE-TOKEN": TOKEN})
            scenarios += [sc for sc in [
                (maven_names[0], f"{maven}/1.0.0/lib-1.0.0.jar", "application/octet-stream", args.conns,
                 (auth,)),
                (maven_names[1], f"{maven}/maven-metadata.xml", "application/octet-stream", args.conns,
                 (auth,)),
            ] if wanted(sc[0])]
        tmp = tempfile.mkdtemp(prefix="packyard-bench-")
        files = {}
        pages = []  # (row, packages on the page, X-Total) of each filter row
        for i, (name, path, ctype, _, headers) in enumerate(scenarios):
            try:
                status, body, got = http("GET", py.base + path,
                                         headers=dict(h.split(": ", 1) for h in headers))
            except urllib.error.HTTPError as e:
                fail(f"{name}: GET {path} answered {e.code}: {e.read()[:300]!r}")
            if name.startswith("filter "):
                page = json.loads(body)
                if status != 200 or not isinstance(page, list):
                    fail(f"{name}: GET {path} answered {status} with no JSON array: {body[:300]!r}")
                pages.append((name, len(page), got.get("X-Total", "?")))
            fpath = os.path.join(tmp, f"s{i}.json")
            with open(fpath, "wb") as f:
                f.write(body)
            files[f"s{i}"] = (fpath, ctype)
        plan = [(name, path, f"/s{i}", conns, headers)
                for i, (name, path, _, conns, headers) in enumerate(scenarios)]
        if wanted(download):
            # The download scenario: one real file of download-mb MiB.
            blob = os.path.join(tmp, "big.bin")
            with open(blob, "wb") as f:
                f.write(os.urandom(1 << 20) * args.download_mb)
            with open(blob, "rb") as f:
                http("PUT", f"{py.base}{api}/projects/2/packages/generic/big/1.0/big.bin", f.read(),
                     {"PRIVATE-TOKEN": TOKEN})
            files["big"] = (blob, "application/octet-stream")
            plan.append((download, f"{api}/projects/2/packages/generic/big/1.0/big.bin", "/big", 4, ()))
        ngx = Nginx(files) if plan else None
        rows = []
        nginx_failed = []  # rows where nginx answered non-2xx: its figure would be no anchor
        nginx_line, scale = None, None
        try:
            for name, path, npath, conns, headers in plan:
                runs_p, runs_n = [], []
                for _ in range(args.rounds):
                    runs_p.append(wrk(py.base + path, conns, args.duration, server=py, headers=headers))
                    runs_n.append(wrk(ngx.base + npath, conns, args.duration))
                med = lambda runs, k: statistics.median(r[k] for r in runs)
                rows.append((name, med(runs_p, "rps"), med(runs_n, "rps"), med(runs_p, "p50"),
                             med(runs_p, "p99"), sum(r["errors"] for r in runs_p), rss_mib(py.proc.pid),
                             med(runs_p, "cpu_us")))
                if sum(r["errors"] for r in runs_n):
                    nginx_failed.append(name)
            if ngx:
                nginx_line = ngx.settings([(name, npath.lstrip("/")) for name, _, npath, _, _ in plan])
            if wanted(upload):
                # 4 KiB uploads, 64 clients, fsync on: a wrk script PUTs distinct file names.
                script = os.path.join(tmp, "upload.lua")
                with open(script, "w") as f:
                    f.write('local n = 0\nlocal body = string.rep("x", 4096)\n'
                            'request = function()\n  n = n + 1\n'
                            '  return wrk.format("PUT", "/api/v4/projects/3/packages/generic/up/1.0/f" .. '
                            'math.random(1, 1000000000) .. "-" .. n, {["PRIVATE-TOKEN"] = "' + TOKEN +
                            '"}, body)\nend\n')
                runs = [wrk(py.base + "/", 64, args.duration, script=script, server=py)
                        for _ in range(args.rounds)]
                rows.append((upload, statistics.median(r["rps"] for r in runs), None,
                             statistics.median(r["p50"] for r in runs), statistics.median(r["p99"] for r in runs),
                             sum(r["errors"] for r in runs), rss_mib(py.proc.pid),
                             statistics.median(r["cpu_us"] for r in runs)))
            if wanted(publish):
                # npm publish: small packages, 64 clients, fsync on (no nginx counterpart).
                count = 200 if args.smoke else 3000
                cpu0 = cpu_seconds(py.proc.pid)
                t0 = time.perf_counter()
                major = int(time.time())  # versions no earlier run of a reused store published
                took = npm_publish_all(py.base, 5, "@group-0/bench-publish",
                                       [f"{major}.{i // 1000}.{i % 1000}" for i in range(count)], 64)
                wall = time.perf_counter() - t0
                cpu1 = cpu_seconds(py.proc.pid)
                took.sort()
                rows.append((publish, count / wall, None,
                             took[len(took) // 2] * 1000, took[int(len(took) * 0.99)] * 1000, 0,
                             rss_mib(py.proc.pid), (cpu1 - cpu0) / count * 1e6))
            if wanted("scale"):
                # Scale: the same project list on a store 100x smaller with the same packages per
                # project (10k packages in projects/100 projects), alternating with the big store.
                small_n = max(args.packages // 100, 100)
                small_p = max(args.projects // 100, 2)
                small = os.path.join(os.path.dirname(data.rstrip("/")) or ".",
                                     f"scale-{args.groups}g-{small_p}p-{small_n}n")
                if not os.path.exists(os.path.join(small, "db", "data.mdb")):
                    subprocess.run([args.seeder, "--data", small, "--groups", str(args.groups),
                                    "--subgroups", "2", "--projects", str(small_p), "--packages",
                                    str(small_n)], check=True, stdout=subprocess.DEVNULL,
                                   env=dict(os.environ, PACKYARD_ROOT_TOKEN=TOKEN))
                py_small = Packyard(args.binary, small)
                try:
                    big_runs, small_runs = [], []
                    for _ in range(args.rounds):
                        big_runs.append(wrk(py.base + list_path, args.conns, args.duration))
                        small_runs.append(wrk(py_small.base + list_path, args.conns, args.duration))
                    scale = (statistics.median(r["rps"] for r in big_runs),
                             statistics.median(r["rps"] for r in small_runs), small_n)
                finally:
                    py_small.stop()
        finally:
            if ngx:
                ngx.stop()
        ab_rows = None
        if args.baseline:
            py.stop()  # one server at a time on the store from here on
            # What the baseline serves too (npm and PyPI are newer than any baseline worth comparing).
            ab_rows = a_b(args, data, [sc for sc in scenarios if not sc[0].startswith(("npm", "pypi"))])
        print()
        label = shape if not args.data else f"{args.data} ({shape} if freshly seeded)"
        print(f"store: {label}; wrk {args.duration}s x {args.rounds} rounds, alternating; medians"
              + (f"; --only {','.join(only)}" if only else ""))
        print(f"{'scenario':40} {'packyard r/s':>13} {'nginx r/s':>11} {'ratio':>6} {'p50 ms':>7} "
              f"{'p99 ms':>7} {'errors':>6} {'RSS MiB':>8} {'CPU us/req':>10}")
        for name, p, n, p50, p99, errs, rss, cpu in rows:
            ratio = f"{p / n:.2f}" if n else "-"
            nstr = f"{n:11.0f}" if n else f"{'-':>11}"
            print(f"{name:40} {p:13.0f} {nstr} {ratio:>6} {p50:7.2f} {p99:7.2f} {errs:6d} {rss:8.1f} {cpu:10.1f}")
        if scale:
            big_rps, small_rps, small_n = scale
            print(f"scale: project list page 1 at {args.packages + args.big_project:,} packages "
                  f"{big_rps:.0f} r/s, at {small_n:,} packages {small_rps:.0f} r/s, "
                  f"ratio {big_rps / small_rps:.2f}")
        if nginx_line:
            print(nginx_line)
        if pages:
            print("filter rows, packages on page 1 (X-Total): "
                  + ", ".join(f"{name[len('filter '):]} {n} ({total})" for name, n, total in pages))
            empty = [name for name, n, _ in pages if n == 0]
            if empty:
                print("empty pages (no seeded package matches; nginx serves `[]`): " + ", ".join(empty))
        if args.baseline:
            print_ab(ab_rows)
        failed = [r for r in rows if r[5] > 0 and not r[0].startswith("generic upload")]
        if failed:
            print("non-2xx responses in:", ", ".join(r[0] for r in failed))
        if nginx_failed:
            print("non-2xx responses from nginx in:", ", ".join(nginx_failed))
        if failed or nginx_failed:
            return 1
        return 0
    finally:
        py.stop()


if __name__ == "__main__":
    sys.exit(main())
