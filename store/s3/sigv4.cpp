#include "store/s3/sigv4.hpp"

#include "store/crypto.hpp"
#include "store/text.hpp"

#include <algorithm>
#include <array>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <ctime>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdexcept>

namespace packyard::store::s3 {
namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";

// RFC 3986's unreserved set is what UriEncode() keeps; the path also keeps '/'.
constexpr boost::urls::grammar::lut_chars
    unreserved("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");
constexpr boost::urls::grammar::lut_chars
    unreserved_and_slash("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/");

std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
             &len) == nullptr) {
        throw std::runtime_error("HMAC(sha256) failed");
    }
    return {reinterpret_cast<const char*>(out.data()), len};
}

std::string sha256_hex(std::string_view data) {
    const sha256_digest d = sha256(data);
    return to_hex(digest_key(d));
}

// Trimmed, and every run of spaces inside made one space (AWS: "Trim() ... convert sequential
// spaces to a single space"); quoted strings are not exempt (vector get-header-value-trim).
std::string canonical_value(std::string_view v) {
    v = trim_ows(v);
    std::string out;
    out.reserve(v.size());
    for (const char c : v) {
        const char ch = c == '\t' ? ' ' : c;
        if (ch == ' ' && !out.empty() && out.back() == ' ') {
            continue;
        }
        out.push_back(ch);
    }
    return out;
}

} // namespace

std::string signing_scope::credential_scope() const {
    return amz_date.substr(0, 8) + "/" + region + "/" + service + "/aws4_request";
}

std::string amz_date(std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::array<char, 17> buf{};
    const std::size_t n = std::strftime(buf.data(), buf.size(), "%Y%m%dT%H%M%SZ", &tm);
    return {buf.data(), n};
}

std::string uri_encode(std::string_view s, bool keep_slash) {
    // encoding_opts{} writes upper-case hex and never a '+' for a space, as SigV4 wants.
    return keep_slash ? boost::urls::encode(s, unreserved_and_slash)
                      : boost::urls::encode(s, unreserved);
}

std::string canonical_uri(std::string_view path) {
    return path.empty() ? std::string("/") : uri_encode(path, true);
}

std::string canonical_query(const std::vector<field>& query) {
    std::vector<field> encoded;
    encoded.reserve(query.size());
    for (const auto& [name, value] : query) {
        encoded.emplace_back(uri_encode(name, false), uri_encode(value, false));
    }
    // Sorted by the encoded bytes (code point order), name first, then value.
    std::sort(encoded.begin(), encoded.end());
    std::string out;
    for (const auto& [name, value] : encoded) {
        if (!out.empty()) {
            out.push_back('&');
        }
        out += name;
        out.push_back('=');
        out += value;
    }
    return out;
}

canonical_header_block canonical_headers(const std::vector<field>& headers) {
    std::vector<field> lowered;
    lowered.reserve(headers.size());
    for (const auto& [name, value] : headers) {
        lowered.emplace_back(lower(trim_ows(name)), canonical_value(value));
    }
    // Stable: a name sent twice keeps its values in the order they were sent
    // (get-header-value-order: value4,value1,value3,value2).
    std::stable_sort(lowered.begin(), lowered.end(),
                     [](const field& a, const field& b) { return a.first < b.first; });
    canonical_header_block out;
    for (std::size_t i = 0; i < lowered.size(); ++i) {
        if (i > 0 && lowered[i].first == lowered[i - 1].first) {
            out.headers.back() = ','; // replaces the previous line's '\n'
            out.headers += lowered[i].second;
            out.headers.push_back('\n');
            continue;
        }
        if (!out.signed_headers.empty()) {
            out.signed_headers.push_back(';');
        }
        out.signed_headers += lowered[i].first;
        out.headers += lowered[i].first;
        out.headers.push_back(':');
        out.headers += lowered[i].second;
        out.headers.push_back('\n');
    }
    return out;
}

std::string canonical_request(const request& r) {
    const canonical_header_block h = canonical_headers(r.headers);
    std::string out = r.method;
    out.push_back('\n');
    out += canonical_uri(r.path);
    out.push_back('\n');
    out += canonical_query(r.query);
    out.push_back('\n');
    out += h.headers; // each line ends in '\n', and one more follows: an empty line
    out.push_back('\n');
    out += h.signed_headers;
    out.push_back('\n');
    out += r.payload_hash;
    return out;
}

std::string string_to_sign(const signing_scope& scope, std::string_view canonical_request) {
    std::string out(algorithm);
    out.push_back('\n');
    out += scope.amz_date;
    out.push_back('\n');
    out += scope.credential_scope();
    out.push_back('\n');
    out += sha256_hex(canonical_request);
    return out;
}

std::string signing_key(std::string_view secret_access_key, const signing_scope& scope) {
    const std::string k_date =
        hmac_sha256("AWS4" + std::string(secret_access_key), scope.amz_date.substr(0, 8));
    const std::string k_region = hmac_sha256(k_date, scope.region);
    const std::string k_service = hmac_sha256(k_region, scope.service);
    return hmac_sha256(k_service, "aws4_request");
}

std::string signature(std::string_view signing_key, std::string_view string_to_sign) {
    return to_hex(hmac_sha256(signing_key, string_to_sign));
}

signed_request sign(const request& r, const credentials& c, const signing_scope& scope) {
    signed_request s;
    s.canonical_request = canonical_request(r);
    s.string_to_sign = string_to_sign(scope, s.canonical_request);
    s.signature = signature(signing_key(c.secret_access_key, scope), s.string_to_sign);
    s.signed_headers = canonical_headers(r.headers).signed_headers;
    return s;
}

std::string authorization(const signed_request& s, const credentials& c,
                          const signing_scope& scope) {
    std::string out(algorithm);
    out += " Credential=";
    out += c.access_key_id;
    out.push_back('/');
    out += scope.credential_scope();
    out += ", SignedHeaders=";
    out += s.signed_headers;
    out += ", Signature=";
    out += s.signature;
    return out;
}

presigned_query presign(request r, const credentials& c, const signing_scope& scope,
                        std::chrono::seconds expires) {
    r.query.emplace_back("X-Amz-Algorithm", std::string(algorithm));
    r.query.emplace_back("X-Amz-Credential", c.access_key_id + "/" + scope.credential_scope());
    r.query.emplace_back("X-Amz-Date", scope.amz_date);
    r.query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
    r.query.emplace_back("X-Amz-SignedHeaders", canonical_headers(r.headers).signed_headers);
    presigned_query out;
    out.parts = sign(r, c, scope);
    // The canonical query is a valid query string too, in the order AWS's examples show it.
    out.query = canonical_query(r.query) + "&X-Amz-Signature=" + out.parts.signature;
    return out;
}

} // namespace packyard::store::s3
