#include "server/response_header.hpp"

#include <algorithm>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace http = boost::beast::http;
using packyard::routing::response;
using packyard::server::serialize_header;

namespace {

// The reference: what session.cpp wrote before serialize_header. Beast builds the message
// (JSON's safety headers set(), so they replace a handler's own, at the end) and serializes it.
std::string beast_header(const response& r, bool keep_alive, unsigned version,
                         std::optional<std::uint64_t> length) {
    http::response<http::empty_body> res{static_cast<http::status>(r.status), version};
    if (!r.content_type.empty()) {
        res.set(http::field::content_type, r.content_type);
    }
    for (const auto& [k, v] : r.headers) {
        res.insert(k, v);
    }
    if (!r.request_id.empty()) {
        res.insert("X-Request-Id", r.request_id);
    }
    if (r.content_type == "application/json") {
        res.set("X-Content-Type-Options", "nosniff");
        res.set("X-Frame-Options", "SAMEORIGIN");
    }
    if (length) {
        res.content_length(*length);
    }
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
    response no_content; // DELETE: no body, no Content-Length
    no_content.status = 204;
    no_content.content_type.clear();
    out.push_back(no_content);
    response with_id = list; // every response the server writes carries its request id
    with_id.request_id = "01JDQ3V5S8M2C7R4X9T6B1N0KZ";
    out.push_back(with_id);
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(response_header)

BOOST_AUTO_TEST_CASE(same_bytes_as_beast) {
    int compared = 0;
    for (const auto& r : samples()) {
        for (const unsigned version : {10U, 11U}) {
            for (const bool keep_alive : {true, false}) {
                for (const std::optional<std::uint64_t> length :
                     {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{0},
                      std::optional<std::uint64_t>{7}, std::optional<std::uint64_t>{6416},
                      std::optional<std::uint64_t>{5368709120ULL}}) {
                    std::string mine;
                    serialize_header(mine, r, keep_alive, version, length);
                    BOOST_TEST(mine == beast_header(r, keep_alive, version, length),
                               "status " << r.status << " version " << version << " keep-alive "
                                         << keep_alive << " length "
                                         << (length ? std::to_string(*length) : "none"));
                    ++compared;
                }
            }
        }
    }
    BOOST_TEST(compared == 10 * 2 * 2 * 5);
}

// A kept answer carries its headers serialized ahead of time (response::header_lines): the same
// bytes as the fields they came from, whichever of them stay fields.
BOOST_AUTO_TEST_CASE(header_lines_write_the_same_bytes_as_their_fields) {
    int compared = 0;
    for (const auto& r : samples()) {
        const bool safety = std::any_of(r.headers.begin(), r.headers.end(), [](const auto& h) {
            return packyard::routing::iequals(h.first, "X-Frame-Options") ||
                   packyard::routing::iequals(h.first, "X-Content-Type-Options");
        });
        if (safety) {
            continue; // never kept as lines: the JSON safety headers replace them
        }
        for (std::size_t kept_fields = 0; kept_fields <= r.headers.size(); ++kept_fields) {
            response kept = r;
            kept.headers.assign(r.headers.begin(),
                                r.headers.begin() + static_cast<std::ptrdiff_t>(kept_fields));
            std::string lines;
            packyard::routing::append_header_lines(
                lines,
                {r.headers.begin() + static_cast<std::ptrdiff_t>(kept_fields), r.headers.end()});
            kept.header_lines = std::make_shared<const std::string>(std::move(lines));
            for (const bool keep_alive : {true, false}) {
                std::string mine;
                serialize_header(mine, kept, keep_alive, 11, 6416);
                BOOST_TEST(mine == beast_header(r, keep_alive, 11, 6416));
                ++compared;
            }
        }
    }
    BOOST_TEST(compared == 2 * (5 + 1 + 1 + 2 + 1 + 1 + 1 + 5));
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
