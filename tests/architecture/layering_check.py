#!/usr/bin/env python3
"""The architecture's rules, checked over the source tree (run by ctest as `layering`).

Data flows one way: server/ -> routing/ -> store/. Each rule below is one the design depends on
and that a compiler would not catch; a violation prints the file and line and fails.
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
failures = []


def sources(folder, exts=(".cpp", ".hpp")):
    return sorted(p for p in (root / folder).rglob("*") if p.suffix in exts)


def check(files, pattern, rule, allowed=()):
    rx = re.compile(pattern)
    for path in files:
        rel = path.relative_to(root).as_posix()
        if rel in allowed:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("//", 1)[0]
            if rx.search(code):
                failures.append(f"{rel}:{n}: {rule}\n    {line.strip()}")


routing = sources("routing")
store = sources("store")
server = sources("server")

check(routing, r"\bmdb_|\bMDB_|<lmdb\.h>|\.db\(\)|\.handle\(\)",
      "routing/ never names LMDB: it reads through store/ functions")
# store/s3/client.cpp is the one exception: the blob store's own outbound S3 client speaks HTTP
# to the object store (docs/decisions/0021-s3-client.md); its header exposes plain structs only.
check(routing + store, r"#include\s*<boost/beast",
      "Beast belongs to server/: routing/ and store/ never see HTTP bytes",
      allowed=("store/s3/client.cpp",))
check(store, r'#include\s*"(routing|server)/',
      "store/ is the lowest floor: it includes neither routing/ nor server/")
check(routing, r'#include\s*"server/', "routing/ never includes server/")
check(routing + server, r"read_txn::begin",
      "a request's snapshots are opened only by routing::app (decide, conclude, begin)",
      allowed=("routing/app.cpp",))
check(sources("routing/handlers"), r"\bco_await\b|\bco_return\b|\bawaitable\b",
      "handlers are plain functions: a snapshot cannot be held across a suspension")
check([p for p in server if p.name in ("session.cpp", "request_reader.cpp",
                                       "response_writer.cpp", "transport.hpp")],
      r'#include\s*"store/(?!unique_fd\.hpp|s3/bucket\.hpp)',
      "the session pumps bytes: store types reach it only through routing (a descriptor, or "
      "the bucket a streamed download reads from as it writes, are its byte sources)")
check(sources("server") + routing + store + sources("tests") + sources("bench"),
      r"\.\./shared|shared/spec|shared/seed|gitlab-packages-api\.md|packyard\.md|native-formats\.md|style\.md|the seed\b",
      "the repository stands alone: cite GitLab's paths or this repository's files")
docs = sorted((root / "docs").rglob("*.md")) + [root / "README.md"]
check(docs, r"\.\./shared|shared/spec|shared/seed|gitlab-packages-api\.md|packyard\.md|native-formats\.md|style\.md|the seed\b",
      "the repository stands alone: cite GitLab's paths or this repository's files")

if failures:
    print("\n".join(failures))
    print(f"{len(failures)} violation(s) of the architecture's rules")
    sys.exit(1)
print("layering: every rule holds")
