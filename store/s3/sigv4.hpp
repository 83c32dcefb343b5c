#pragma once

// AWS Signature Version 4 as pure functions over plain data: what the S3 blob backend signs its
// requests and presigned download URLs with. No I/O, no clock, no HTTP types: the caller passes
// the timestamp and the request as strings, so every step can be checked against AWS's published
// vectors (tests/unit/store/s3_sigv4_test.cpp).
//
// S3's rules, not the generic service's: the path is URI-encoded once (S3 does not encode it a
// second time and does not normalize "." or "//" segments), '/' stays as it is in the path and
// becomes %2F in the query. Reference: "Authenticating Requests (AWS Signature Version 4)" in the
// Amazon S3 API Reference (sig-v4-header-based-auth, sigv4-query-string-auth).

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace packyard::store::s3 {

/// The payload hash of a request whose body is not signed (S3 accepts it over HTTPS and in
/// presigned URLs; the body is then covered by TLS or Content-MD5 only).
inline constexpr std::string_view unsigned_payload = "UNSIGNED-PAYLOAD";
/// Hex SHA-256 of no bytes: the payload hash of GET, HEAD and DELETE.
inline constexpr std::string_view empty_payload_sha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct credentials {
    std::string access_key_id;
    std::string secret_access_key;
};

/// Where and when a signature is valid.
struct signing_scope {
    std::string amz_date; ///< the request's time as X-Amz-Date has it: "20150830T123600Z"
    std::string region;   ///< "us-east-1" (RGW accepts any region its zonegroup names)
    std::string service;  ///< "s3"

    /// "20150830/us-east-1/s3/aws4_request"
    std::string credential_scope() const;
};

/// A name and value, as sent (headers) or before percent-encoding (query).
using field = std::pair<std::string, std::string>;

/// A request as the signer sees it.
struct request {
    std::string method;         ///< "GET", "PUT", ...
    std::string path;           ///< not yet percent-encoded: "/bucket/some key"
    std::vector<field> query;   ///< not yet percent-encoded; a flag ("?uploads") has value ""
    std::vector<field> headers; ///< every header to sign, in any case and order; host included
    std::string payload_hash;   ///< hex SHA-256 of the body, or unsigned_payload
};

/// X-Amz-Date's form of a time point (UTC, whole seconds): "20150830T123600Z".
std::string amz_date(std::chrono::system_clock::time_point t);

/// S3's UriEncode(): every byte but A-Z a-z 0-9 - . _ ~ as %XX (upper-case hex); '/' too unless
/// keep_slash (the path keeps its slashes, a query value does not).
std::string uri_encode(std::string_view s, bool keep_slash);

/// The path, each byte encoded once; "" becomes "/".
std::string canonical_uri(std::string_view path);

/// name=value pairs encoded and sorted by name, then value, joined by '&'.
std::string canonical_query(const std::vector<field>& query);

struct canonical_header_block {
    std::string headers;        ///< "name:value\n" per name: lower-cased, sorted, values trimmed,
                                ///< inner runs of spaces made one, repeated names joined by ','
    std::string signed_headers; ///< "host;x-amz-date"
};
canonical_header_block canonical_headers(const std::vector<field>& headers);

/// The six lines AWS hashes: method, URI, query, headers, signed headers, payload hash.
std::string canonical_request(const request& r);

/// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex SHA-256 of the canonical request>".
std::string string_to_sign(const signing_scope& scope, std::string_view canonical_request);

/// The derived key (32 raw bytes): HMAC chain over "AWS4"+secret, date, region, service,
/// "aws4_request". Valid for a day; a client may keep it per date.
std::string signing_key(std::string_view secret_access_key, const signing_scope& scope);

/// Hex HMAC-SHA256 of the string to sign under the derived key.
std::string signature(std::string_view signing_key, std::string_view string_to_sign);

/// Each step of one signature, for the Authorization header or a presigned URL; the
/// intermediate strings are kept because S3's 403 SignatureDoesNotMatch answers with its own
/// StringToSign and CanonicalRequest, and comparing them is how a mismatch is found.
struct signed_request {
    std::string canonical_request;
    std::string string_to_sign;
    std::string signature;
    std::string signed_headers;
};

/// Header authentication. r.headers must already hold host and x-amz-date (equal to
/// scope.amz_date), and for S3 x-amz-content-sha256 (equal to r.payload_hash): S3 refuses a
/// request without it.
signed_request sign(const request& r, const credentials& c, const signing_scope& scope);

/// "AWS4-HMAC-SHA256 Credential=<id>/<scope>, SignedHeaders=<list>, Signature=<hex>"
std::string authorization(const signed_request& s, const credentials& c,
                          const signing_scope& scope);

/// Query authentication (a presigned URL): signs r with X-Amz-Algorithm, X-Amz-Credential,
/// X-Amz-Date, X-Amz-Expires and X-Amz-SignedHeaders added to its query, and returns the
/// encoded query string to put after '?', ending in X-Amz-Signature. r.headers holds host and
/// nothing else the client will not send; r.payload_hash is unsigned_payload for S3. Response
/// overrides (response-content-disposition, response-content-type) go in r.query.
struct presigned_query {
    signed_request parts;
    std::string query;
};
presigned_query presign(request r, const credentials& c, const signing_scope& scope,
                        std::chrono::seconds expires);

} // namespace packyard::store::s3
