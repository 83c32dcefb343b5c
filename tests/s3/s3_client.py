#!/usr/bin/python3
"""A small S3 client for the tests, signed in pure Python (AWS Signature Version 4 as
docs/s3-notes.md describes it: path-style, the path encoded once, x-amz-content-sha256 sent and
signed). The S3 suite's fixtures use it where the packyard binary and s3_sign are not at hand:
tests/s3/rgw.sh creates the bucket with it, the Python harness lists a test server's objects with
it, tests/s3/fault_test.py reads the gateway beside packyard.

Configuration from the environment (tests/s3/rgw.sh's s3.env): S3_ENDPOINT (http only),
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION (or AWS_REGION; us-east-1).

Command line:
    s3_client.py create-bucket NAME      PUT /NAME; 200, or 409 BucketAlreadyOwnedByYou, is success
    s3_client.py list BUCKET [PREFIX]    every key under PREFIX, one a line
"""
import datetime
import hashlib
import hmac
import http.client
import os
import re
import sys
import urllib.parse

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _uri_encode(s, safe):
    return urllib.parse.quote(s, safe=safe)


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


class S3:
    def __init__(self, endpoint, access_key, secret_key, region="us-east-1"):
        u = urllib.parse.urlsplit(endpoint)
        if u.scheme != "http" or not u.netloc:
            raise ValueError(f"S3_ENDPOINT must be http://HOST:PORT, not {endpoint!r}")
        self.hostport = u.netloc
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region

    @classmethod
    def from_env(cls, env=None):
        env = os.environ if env is None else env
        return cls(env["S3_ENDPOINT"], env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"],
                   env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1")

    def sign(self, method, path, query, headers, payload_hash, now=None):
        """Adds x-amz-date, x-amz-content-sha256 and Authorization to headers (a dict) for a
        request of `path` (decoded) with `query` (a list of decoded (name, value) pairs)."""
        now = now or datetime.datetime.now(datetime.timezone.utc)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        headers["x-amz-date"] = amz_date
        headers["x-amz-content-sha256"] = payload_hash
        canon_headers = {"host": self.hostport}
        for k, v in headers.items():
            canon_headers[k.lower()] = re.sub(" +", " ", str(v).strip())
        names = sorted(canon_headers)
        canonical = "\n".join([
            method,
            _uri_encode(path, "/-._~"),
            "&".join(f"{_uri_encode(k, '-._~')}={_uri_encode(v, '-._~')}"
                     for k, v in sorted(query)),
            "".join(f"{n}:{canon_headers[n]}\n" for n in names),
            ";".join(names),
            payload_hash,
        ])
        scope = f"{amz_date[:8]}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("AWS4" + self.secret_key).encode()
        for part in (amz_date[:8], self.region, "s3", "aws4_request"):
            key = _hmac(key, part)
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                                    f"SignedHeaders={';'.join(names)}, Signature={signature}")
        return headers

    def request(self, method, path, query=(), body=b"", headers=None, timeout=30):
        """One signed call; returns (status, lower-cased headers, body bytes)."""
        query = list(query)
        headers = self.sign(method, path, query, dict(headers or {}),
                            hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256)
        target = _uri_encode(path, "/-._~")
        if query:
            target += "?" + "&".join(f"{_uri_encode(k, '-._~')}={_uri_encode(v, '-._~')}"
                                     for k, v in query)
        conn = http.client.HTTPConnection(self.hostport, timeout=timeout)
        try:
            conn.request(method, target, body=body if body or method in ("PUT", "POST") else None,
                         headers=headers)
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            conn.close()

    def create_bucket(self, bucket):
        """PUT /bucket; True when it exists afterwards (created now, or already ours)."""
        status, _, body = self.request("PUT", "/" + bucket, body=b"")
        return status == 200 or (status == 409 and b"BucketAlreadyOwnedByYou" in body), status, body

    def list_keys(self, bucket, prefix=""):
        """Every key under prefix (ListObjectsV2, page by page); raises on an error answer."""
        keys, token = [], None
        while True:
            q = [("list-type", "2"), ("max-keys", "1000"), ("prefix", prefix)]
            if token:
                q.append(("continuation-token", token))
            status, _, body = self.request("GET", "/" + bucket, q)
            if status != 200:
                raise RuntimeError(f"ListObjectsV2 {bucket}/{prefix}: {status} {body[:300]!r}")
            text = body.decode()
            keys += [_xml_unescape(k) for k in re.findall(r"<Key>(.*?)</Key>", text)]
            if re.search(r"<IsTruncated>true</IsTruncated>", text) is None:
                return keys
            m = re.search(r"<NextContinuationToken>(.*?)</NextContinuationToken>", text)
            if m is None:
                raise RuntimeError("ListObjectsV2: truncated without a continuation token")
            token = _xml_unescape(m.group(1))

    def put(self, bucket, key, data):
        return self.request("PUT", f"/{bucket}/{key}", body=data)[0]

    def get(self, bucket, key):
        status, _, body = self.request("GET", f"/{bucket}/{key}")
        return status, body

    def delete(self, bucket, key):
        return self.request("DELETE", f"/{bucket}/{key}")[0]


def _xml_unescape(s):
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def main(argv):
    if len(argv) >= 2 and argv[0] == "create-bucket":
        ok, status, body = S3.from_env().create_bucket(argv[1])
        if not ok:
            print(f"create bucket {argv[1]}: {status} {body.decode(errors='replace')[:300]}",
                  file=sys.stderr)
            return 1
        return 0
    if len(argv) >= 2 and argv[0] == "list":
        for k in S3.from_env().list_keys(argv[1], argv[2] if len(argv) > 2 else ""):
            print(k)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
