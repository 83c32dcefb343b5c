#include "server/request_framing.hpp"

#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

namespace http = boost::beast::http;
using packyard::server::check_framing;

namespace {

/// The status check_framing answers for these header fields (0: served).
unsigned verdict(unsigned version,
                 std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    http::fields f;
    for (const auto& [k, v] : fields) {
        f.insert(k, v);
    }
    const auto e = check_framing(f, version);
    return e ? e->status : 0;
}

} // namespace

BOOST_AUTO_TEST_SUITE(request_framing)

BOOST_AUTO_TEST_CASE(chunked_alone_or_last_and_once_is_served) {
    BOOST_TEST(verdict(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked"}}) == 0u);
    BOOST_TEST(verdict(11, {{"Host", "x"}, {"Transfer-Encoding", "Chunked"}}) == 0u);
    BOOST_TEST(verdict(11, {{"Host", "x"}, {"Transfer-Encoding", " chunked ,"}}) == 0u);
    BOOST_TEST(verdict(11, {{"Host", "x"}, {"Content-Length", "10"}}) == 0u);
    BOOST_TEST(verdict(11, {{"Host", "x"}}) == 0u);
}

BOOST_AUTO_TEST_CASE(codings_that_do_not_end_in_one_chunked_are_bad_requests) {
    for (const auto* te : {"gzip", "identity", "xchunked", "chunked, gzip", "chunked, chunked",
                           "chunked;q=1", "", " , "}) {
        BOOST_TEST_INFO(te);
        BOOST_TEST(verdict(11, {{"Host", "x"}, {"Transfer-Encoding", te}}) == 400u);
    }
    // Two fields form one list: chunked then gzip ends in gzip.
    BOOST_TEST(verdict(11, {{"Host", "x"},
                            {"Transfer-Encoding", "chunked"},
                            {"Transfer-Encoding", "gzip"}}) == 400u);
    BOOST_TEST(verdict(11, {{"Host", "x"},
                            {"Transfer-Encoding", "chunked"},
                            {"Transfer-Encoding", "chunked"}}) == 400u);
}

BOOST_AUTO_TEST_CASE(another_coding_before_chunked_is_not_implemented) {
    BOOST_TEST(verdict(11, {{"Host", "x"}, {"Transfer-Encoding", "gzip, chunked"}}) == 501u);
    BOOST_TEST(verdict(11, {{"Host", "x"},
                            {"Transfer-Encoding", "deflate"},
                            {"Transfer-Encoding", "chunked"}}) == 501u);
}

BOOST_AUTO_TEST_CASE(lengths_must_be_single_and_alone) {
    BOOST_TEST(verdict(11, {{"Host", "x"}, {"Content-Length", "5"}, {"Content-Length", "5"}}) ==
               400u);
    BOOST_TEST(verdict(11, {{"Host", "x"}, {"Content-Length", "5, 5"}}) == 400u);
    BOOST_TEST(
        verdict(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}) ==
        400u);
}

BOOST_AUTO_TEST_CASE(host_rules_and_http_1_0) {
    BOOST_TEST(verdict(11, {}) == 400u);
    BOOST_TEST(verdict(11, {{"Host", "a"}, {"Host", "b"}}) == 400u);
    BOOST_TEST(verdict(10, {}) == 0u);
    BOOST_TEST(verdict(10, {{"Host", "a"}, {"Host", "b"}}) == 400u);
    BOOST_TEST(verdict(10, {{"Transfer-Encoding", "chunked"}}) == 400u);
}

BOOST_AUTO_TEST_CASE(an_empty_chunked_body_that_arrives_a_byte_at_a_time_ends) {
    // tests/fuzz/request_header_fuzz.cpp: Boost 1.81's parser asserts n >= 5 when the CRLF after
    // a first and last "0\r\n" comes in pieces (boostorg/beast#2861, fixed in Boost 1.86); its
    // code is right and the release build (NDEBUG) reads the body. A debug build would abort.
#ifdef NDEBUG
    const std::string_view wire = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "0\r\n\r\n";
    http::request_parser<http::string_body> p;
    std::string pending;
    boost::beast::error_code ec;
    for (const char c : wire) {
        pending += c;
        const auto used = p.put(boost::asio::buffer(pending), ec);
        pending.erase(0, used);
        BOOST_REQUIRE(!ec || ec == http::error::need_more);
    }
    BOOST_TEST(p.is_done());
    BOOST_TEST(p.get().body().empty());
#else
    BOOST_TEST_MESSAGE("skipped: Boost 1.81 asserts where its parser is right (a debug build)");
#endif
}

BOOST_AUTO_TEST_SUITE_END()
