#include "server/response_header.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace http = boost::beast::http;
using packyard::routing::response;
using packyard::server::copy_headers;
using packyard::server::serialize_header;

namespace {

// What session.cpp wrote before serialize_header: Beast builds and serializes the message.
std::string beast_header(const response& r, bool keep_alive, unsigned version,
                         std::uint64_t length) {
    http::response<http::empty_body> res{static_cast<http::status>(r.status), version};
    copy_headers(res, r);
    res.content_length(length);
    res.keep_alive(keep_alive);
    std::string out;
    http::response_serializer<http::empty_body> sr{res};
    boost::beast::error_code ec;
    while (!sr.is_done() && !ec) {
        sr.next(ec, [&](boost::beast::error_code&, const auto& buffers) {
            std::size_t n = 0;
            for (const auto b : boost::beast::buffers_range_ref(buffers)) {
                out.append(static_cast<const char*>(b.data()), b.size());
                n += b.size();
            }
            sr.consume(n);
        });
    }
    return out;
}

std::vector<response> samples() {
    std::vector<response> out;
    response list;
    list.headers = {{"Link", "<http://h/api/v4/projects/2/packages?page=2&per_page=20>; "
                             "rel=\"next\""},
                    {"X-Page", "1"},
                    {"X-Per-Page", "20"},
                    {"X-Total", "110"}};
    out.push_back(list);
    response error;
    error.status = 404;
    out.push_back(error);
    response bad;
    bad.status = 400;
    out.push_back(bad);
    response created;
    created.status = 201;
    created.headers = {{"Location", "/x"}};
    out.push_back(created);
    response text;
    text.content_type = "text/plain";
    text.headers = {{"X-Frame-Options", "DENY"}}; // kept: only JSON responses set it
    out.push_back(text);
    response none;
    none.content_type.clear();
    none.status = 202;
    out.push_back(none);
    response replaced; // JSON's own X-Frame-Options replaces a handler's, at the end
    replaced.headers = {{"x-frame-options", "DENY"}, {"X-Request-Id", "abc"}};
    out.push_back(replaced);
    response unknown;
    unknown.status = 299; // no reason phrase
    out.push_back(unknown);
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(response_header)

BOOST_AUTO_TEST_CASE(same_bytes_as_beast) {
    int compared = 0;
    for (const auto& r : samples()) {
        for (const unsigned version : {10U, 11U}) {
            for (const bool keep_alive : {true, false}) {
                for (const std::uint64_t length : {0ULL, 7ULL, 6416ULL, 5368709120ULL}) {
                    std::string mine;
                    serialize_header(mine, r, keep_alive, version, length);
                    BOOST_TEST(mine == beast_header(r, keep_alive, version, length),
                               "status " << r.status << " version " << version << " keep-alive "
                                         << keep_alive << " length " << length);
                    ++compared;
                }
            }
        }
    }
    BOOST_TEST(compared == 8 * 2 * 2 * 4);
}

BOOST_AUTO_TEST_CASE(status_line_and_connection) {
    response r;
    std::string out;
    serialize_header(out, r, false, 11, 2);
    BOOST_TEST(out.rfind("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n", 0) == 0);
    BOOST_TEST(out.find("Content-Length: 2\r\nConnection: close\r\n\r\n") != std::string::npos);
    out.clear();
    serialize_header(out, r, true, 10, 2);
    BOOST_TEST(out.find("Connection: keep-alive\r\n\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
