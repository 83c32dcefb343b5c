#!/usr/bin/env python3
"""10,000 connections held while the package list keeps answering (ctest label `long`).

The test raises its own open-file limit (and, as root, the hard one) so that it and the server
can each hold 10,000 sockets, then opens 9,999 connections next to the list client's own, which
makes the default --max-connections (10,000): a third idle right after connect, a third idle
after one keep-alive request, a third stopped inside a request header. While they are held the
list client keeps asking for the project's packages; every answer must be 200 (p50/p99 are
printed, not judged). The 10,001st connection gets 503 and is closed. The server's RSS is
printed and bounded. Then the deadlines: the partial headers are cut at --header-timeout, the
idle connections at --idle-timeout (both shortened here), not before; afterwards the server's
descriptors are back at their baseline and it answers."""

import http.client
import json
import os
import resource
import select
import socket
import sys
import time

from abuse import AUTH, fd_count, generic_path, project, request, rss_kib, settled_fd_count
from harness import Checks, Server

HELD = 9_999             # with the list client's connection: --max-connections' default
HEADER_TIMEOUT = 10      # seconds (default 30)
IDLE_TIMEOUT = 25        # seconds (default 75, nginx's keepalive_timeout)
NOFILE = 16_384          # for each process: 10,000 sockets, the server's 1,024 in reserve
RSS_PER_CONNECTION = 16  # KiB at most, on average, for a held connection (measured: ~9.3)
SKIP = 77


def raise_open_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < NOFILE:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))  # root may raise it
        except (ValueError, OSError):
            return False
    elif soft == resource.RLIM_INFINITY or soft < NOFILE:
        resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, hard))
    return True


def open_connections(port, n, first_bytes=b"", batch=500):
    """n connected sockets (non-blocking), each sent first_bytes."""
    out = []
    while len(out) < n:
        group = []
        for _ in range(min(batch, n - len(out))):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            group.append(s)
        ep = select.epoll()
        pending = {s.fileno(): s for s in group}
        for fd in pending:
            ep.register(fd, select.EPOLLOUT)
        deadline = time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            for fd, _ in ep.poll(1):
                ep.unregister(fd)
                s = pending.pop(fd)
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    raise OSError(err, os.strerror(err))
                if first_bytes:
                    s.send(first_bytes)
        ep.close()
        if pending:
            raise RuntimeError(f"{len(pending)} connections did not complete")
        out += group
    return out


def read_answers(socks, until=b'{"status":"ok"}', timeout=30):
    """Reads each socket's answer to its one request."""
    ep = select.epoll()
    pending = {s.fileno(): [s, b""] for s in socks}
    for fd in pending:
        ep.register(fd, select.EPOLLIN)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for fd, _ in ep.poll(1):
            entry = pending[fd]
            entry[1] += entry[0].recv(4096)
            if entry[1].endswith(until):
                ep.unregister(fd)
                del pending[fd]
    ep.close()
    return len(socks) - len(pending)


def closed_by_server(socks):
    """How many of socks the server has closed (readable now, and nothing left to read)."""
    ep = select.epoll()
    by_fd = {s.fileno(): s for s in socks}
    for fd in by_fd:
        ep.register(fd, select.EPOLLIN | select.EPOLLRDHUP)
    closed = 0
    for fd, _ in ep.poll(0, len(by_fd)):
        try:
            closed += 1 if by_fd[fd].recv(4096) == b"" else 0
        except ConnectionResetError:
            closed += 1
    ep.close()
    return closed


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p / 100))]


def main(binary, sanitized=False):
    """sanitized: the binary runs under ASan, whose allocator keeps far more per connection;
    its RSS is printed, not judged."""
    if not raise_open_files():
        print(f"SKIPPED: the open-file limit cannot reach {NOFILE} (raise the hard limit, or "
              f"run as root as CI does)")
        return SKIP
    c = Checks()
    srv = Server(binary, extra=["--header-timeout", str(HEADER_TIMEOUT),
                                "--idle-timeout", str(IDLE_TIMEOUT), "--access-log", "false"])
    held = []
    try:
        with open(f"/proc/{srv.proc.pid}/limits") as f:
            limits = [line for line in f if line.startswith("Max open files")]
        print(f"server: {limits[0].strip()}", flush=True)
        pid = project(srv.port)
        for i in range(20):
            status, _ = request(srv.port, "PUT", generic_path(pid, f"pkg{i}", "1.0", "f.bin"),
                                os.urandom(1024))
            assert status == 201, status
        path = f"/api/v4/projects/{pid}/packages"
        lister = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)

        def list_once():
            started = time.perf_counter()
            lister.request("GET", path, headers=AUTH)
            r = lister.getresponse()
            body = r.read()
            return time.perf_counter() - started, r.status, body

        for _ in range(50):  # warm: the list client's connection, the cached answer
            list_once()
        baseline_fds = settled_fd_count(srv.proc.pid)
        baseline_rss = rss_kib(srv.proc.pid)

        # 1. Open: idle after connect, idle after a keep-alive request, inside a header.
        third = HELD // 3
        started = time.monotonic()
        idle = open_connections(srv.port, third)
        kept = open_connections(srv.port, third, b"GET /-/liveness HTTP/1.1\r\nHost: x\r\n\r\n")
        answered = read_answers(kept)
        kept_idle_since = time.monotonic()
        headers_started = time.monotonic()
        partial = open_connections(srv.port, HELD - 2 * third,
                                   ("GET " + path + " HTTP/1.1\r\nHost: x\r\nPRIVATE-TO").encode())
        headers_sent = time.monotonic()
        held = idle + kept + partial
        opened_in = headers_sent - started
        c.check(answered == len(kept), f"keep-alive requests answered: {answered}/{len(kept)}")
        accepted = settled_fd_count(srv.proc.pid, want=baseline_fds + HELD, timeout=30)
        c.check(accepted == baseline_fds + HELD,
                f"the server holds every connection: {accepted - baseline_fds} of {HELD}")
        print(f"opened {len(held)} connections in {opened_in:.1f} s", flush=True)

        # 2. The 10,001st connection: 503, closed.
        over = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        answer = b""
        while True:
            chunk = over.recv(4096)
            if not chunk:
                break
            answer += chunk
        over.close()
        c.check(answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
                and answer.endswith(b'{"message":"503 Service Unavailable"}'),
                f"the 10,001st connection gets 503 and is closed: {answer[:40]!r}")

        # 3. Lists while everything is held, until shortly before the header deadline.
        latencies, statuses = [], {}
        window_end = headers_started + HEADER_TIMEOUT - 2
        rss_held = 0
        while time.monotonic() < window_end or len(latencies) < 200:
            took, status, body = list_once()
            latencies.append(took)
            statuses[status] = statuses.get(status, 0) + 1
            if len(latencies) % 100 == 0:
                rss_held = max(rss_held, rss_kib(srv.proc.pid))
        rss_held = max(rss_held, rss_kib(srv.proc.pid))
        still_open = len(held) - closed_by_server(held)
        at = time.monotonic() - headers_started
        c.check(still_open == len(held),
                f"all {len(held)} held until {at:.1f} s after the partial headers: {still_open}")
        lat = sorted(latencies)
        print(f"package list with {HELD + 1} connections open: {len(lat)} requests, "
              f"p50 {percentile(lat, 50) * 1000:.2f} ms, p99 {percentile(lat, 99) * 1000:.2f} ms, "
              f"max {lat[-1] * 1000:.2f} ms", flush=True)
        c.check(statuses == {200: len(lat)}, f"every list request answered 200: {statuses}")
        per_connection = (rss_held - baseline_rss) / HELD
        print(f"server RSS: {baseline_rss // 1024} MiB before, {rss_held // 1024} MiB holding "
              f"them ({per_connection:.1f} KiB per connection)", flush=True)
        c.check(sanitized or per_connection < RSS_PER_CONNECTION,
                f"RSS bounded: {per_connection:.1f} KiB per held connection")
        lister.close()

        # 4. The header deadline cuts the partial headers, not the idle connections.
        time.sleep(max(0.0, headers_sent + HEADER_TIMEOUT + 3 - time.monotonic()))
        cut = closed_by_server(partial)
        c.check(cut == len(partial), f"partial headers cut at the header deadline: {cut}")
        early = closed_by_server(idle + kept)
        at = time.monotonic() - started
        c.check(early == 0, f"idle connections still held {at:.1f} s after opening: {early} cut")

        # 5. The idle deadline cuts the rest.
        time.sleep(max(0.0, kept_idle_since + IDLE_TIMEOUT + 4 - time.monotonic()))
        cut = closed_by_server(idle + kept)
        c.check(cut == len(idle) + len(kept), f"idle connections cut at the idle deadline: {cut}")
        for s in held:
            s.close()
        held = []
        after = settled_fd_count(srv.proc.pid, want=baseline_fds - 1)  # the lister is gone too
        c.check(after == baseline_fds - 1, f"descriptors back to the baseline: {after}")
        status, body = request(srv.port, "GET", path)
        c.check(status == 200 and len(json.loads(body)) == 20, f"the list answers: {status}")
    finally:
        for s in held:
            s.close()
        srv.close()
    return c.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], "--sanitized" in sys.argv[2:]))
