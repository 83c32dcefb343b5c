#include "routing/multipart.hpp"

#include <boost/test/unit_test.hpp>

using namespace packyard::routing;

namespace {
const std::string body =
    "preamble\r\n--B0undary\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\n"
    "skip me\r\n--B0undary\r\nContent-Disposition: form-data; name=\"file\"; "
    "filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    "line1\r\n--not-the-boundary\r\nline2\r\n--B0undary--\r\nepilogue";

std::string extract(std::size_t chunk, bool& complete) {
    multipart_extractor ex("B0undary", "file");
    std::string out;
    const multipart_extractor::sink sink = [&](std::string_view s) {
        out.append(s);
        return std::error_code{};
    };
    for (std::size_t i = 0; i < body.size(); i += chunk) {
        BOOST_REQUIRE(ex.feed(std::string_view(body).substr(i, chunk), sink));
    }
    complete = ex.complete();
    return out;
}
} // namespace

BOOST_AUTO_TEST_SUITE(multipart)

BOOST_AUTO_TEST_CASE(only_the_file_part_reaches_the_sink_whatever_the_chunking) {
    for (std::size_t chunk : {1UL, 2UL, 3UL, 7UL, 16UL, 1000UL}) {
        bool complete = false;
        BOOST_TEST(extract(chunk, complete) == "line1\r\n--not-the-boundary\r\nline2");
        BOOST_TEST(complete);
    }
}

BOOST_AUTO_TEST_CASE(boundary_parsing_and_missing_part) {
    BOOST_TEST(*multipart_boundary("multipart/form-data; boundary=abc") == "abc");
    BOOST_TEST(*multipart_boundary("Multipart/Form-Data; charset=x; boundary=\"q q\"") == "q q");
    BOOST_TEST(!multipart_boundary("application/octet-stream").has_value());
    multipart_extractor ex("b", "file");
    const multipart_extractor::sink sink = [](std::string_view) { return std::error_code{}; };
    BOOST_TEST(
        ex.feed("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--\r\n", sink));
    BOOST_TEST(!ex.complete());
}

BOOST_AUTO_TEST_SUITE_END()
