// s3_sign: store/s3/sigv4's signer on the command line, so that tests/s3/rgw_test.py can send
// requests signed by packyard's own code to a real Ceph RADOS Gateway with any HTTP client.
//
//   s3_sign header METHOD URL PAYLOAD_HASH [NAME:VALUE...]
//       prints the headers to add, one "Name: value" a line (x-amz-date, x-amz-content-sha256,
//       authorization); NAME:VALUE are further headers the request sends and signs.
//   s3_sign presign METHOD URL EXPIRES_SECONDS
//       prints URL with the query-string authentication appended (payload UNSIGNED-PAYLOAD).
//
// Credentials and region from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION (the
// fixture's s3.env); S3_SIGN_DATE (20150830T123600Z form) fixes the time.
#include "store/s3/sigv4.hpp"

#include <boost/url/parse.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace s3 = packyard::store::s3;

namespace {

std::string env(const char* name, const char* fallback = nullptr) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        if (fallback == nullptr) {
            throw std::runtime_error(std::string("missing environment variable ") + name);
        }
        return fallback;
    }
    return v;
}

// Path and query decoded, as the signer takes them; host with its port, as Host is sent.
s3::request from_url(const std::string& method, const std::string& url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) {
        throw std::runtime_error("not a URL: " + url);
    }
    s3::request r;
    r.method = method;
    r.path = std::string(parsed->path());
    for (const auto& p : parsed->params()) {
        r.query.emplace_back(std::string(p.key), std::string(p.value));
    }
    r.headers.emplace_back("host", std::string(parsed->encoded_host_and_port()));
    return r;
}

} // namespace

int main(int argc, char** argv) try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() < 4 || (args[0] != "header" && args[0] != "presign")) {
        std::cerr << "usage: s3_sign header METHOD URL PAYLOAD_HASH [NAME:VALUE...]\n"
                     "       s3_sign presign METHOD URL EXPIRES_SECONDS\n";
        return 2;
    }
    const s3::credentials keys{env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")};
    const std::string date = std::getenv("S3_SIGN_DATE") != nullptr
                                 ? env("S3_SIGN_DATE")
                                 : s3::amz_date(std::chrono::system_clock::now());
    const s3::signing_scope scope{date, env("AWS_DEFAULT_REGION", "us-east-1"), "s3"};
    s3::request r = from_url(args[1], args[2]);

    if (args[0] == "presign") {
        r.payload_hash = std::string(s3::unsigned_payload);
        const auto p = s3::presign(r, keys, scope, std::chrono::seconds(std::stol(args[3])));
        const auto q = args[2].find('?');
        std::cout << args[2].substr(0, q) << '?' << p.query << '\n';
        return 0;
    }
    r.payload_hash = args[3];
    for (std::size_t i = 4; i < args.size(); ++i) {
        const auto colon = args[i].find(':');
        if (colon == std::string::npos) {
            throw std::runtime_error("not NAME:VALUE: " + args[i]);
        }
        r.headers.emplace_back(args[i].substr(0, colon), args[i].substr(colon + 1));
    }
    r.headers.emplace_back("x-amz-date", date);
    r.headers.emplace_back("x-amz-content-sha256", r.payload_hash);
    const s3::signed_request s = s3::sign(r, keys, scope);
    std::cout << "x-amz-date: " << date << '\n'
              << "x-amz-content-sha256: " << r.payload_hash << '\n'
              << "authorization: " << s3::authorization(s, keys, scope) << '\n';
    if (std::getenv("S3_SIGN_VERBOSE") != nullptr) {
        std::cerr << s.canonical_request << "\n----\n" << s.string_to_sign << '\n';
    }
    return 0;
} catch (const std::exception& e) {
    std::cerr << "s3_sign: " << e.what() << '\n';
    return 1;
}
