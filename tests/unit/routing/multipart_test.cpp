#include "routing/multipart.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>

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

BOOST_AUTO_TEST_CASE(a_part_header_block_is_bounded_however_it_arrives) {
    // Found by tests/fuzz/multipart_fuzz.cpp's invariant: 20 KiB of part headers were refused
    // a byte at a time but accepted when they came in one chunk.
    // The part's header block, blank line included, is `block` bytes.
    auto body = [](std::size_t block) {
        const std::string start = "Content-Disposition: form-data; name=\"file\"\r\nX-Pad: ";
        return "--xx\r\n" + start + std::string(block - start.size() - 4, 'a') +
               "\r\n\r\ncontent\r\n--xx--\r\n";
    };
    const multipart_extractor::sink sink = [](std::string_view) { return std::error_code{}; };
    for (const std::size_t block : {std::size_t{20000}, std::size_t{16 * 1024 + 1}}) {
        for (const std::size_t chunk : {std::size_t{1}, std::size_t{1} << 20}) {
            multipart_extractor ex("xx", "file");
            bool ok = true;
            const std::string b = body(block);
            for (std::size_t i = 0; i < b.size() && ok; i += chunk) {
                ok = ex.feed(std::string_view(b).substr(i, chunk), sink);
            }
            BOOST_TEST(!ok, block << " bytes of headers in chunks of " << chunk);
        }
    }
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{1} << 20}) {
        multipart_extractor ex("xx", "file");
        const std::string b = body(16 * 1024);
        bool ok = true;
        for (std::size_t i = 0; i < b.size() && ok; i += chunk) {
            ok = ex.feed(std::string_view(b).substr(i, chunk), sink);
        }
        BOOST_TEST(ok);
        BOOST_TEST(ex.complete());
    }
}

BOOST_AUTO_TEST_CASE(a_header_block_trickling_in_a_byte_at_a_time_is_searched_once) {
    // 16 KiB of '\r' (each one a place "\r\n\r\n" could start) a byte at a time: searched
    // whole for every byte it took 672 ms (release build); searched once, 0.3 ms.
    const std::string start = "--xx\r\nContent-Disposition: form-data; name=\"file\"\r\nX: ";
    const std::string b = start + std::string(16 * 1024 - (start.size() - 6) - 4, '\r') +
                          "\r\n\r\ncontent\r\n--xx--\r\n";
    const multipart_extractor::sink sink = [](std::string_view) { return std::error_code{}; };
    multipart_extractor ex("xx", "file");
    const auto began = std::chrono::steady_clock::now();
    bool ok = true;
    for (std::size_t i = 0; i < b.size() && ok; ++i) {
        ok = ex.feed(std::string_view(b).substr(i, 1), sink);
    }
    const auto took = std::chrono::steady_clock::now() - began;
    BOOST_TEST(ok);
    BOOST_TEST(ex.complete());
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(took).count() < 200);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(multipart_fields)

BOOST_AUTO_TEST_CASE(kept_parts_filename_and_caps_whatever_the_chunking) {
    // As twine sends it: fields, a repeated one, one over the cap, then the file.
    const std::string twine =
        "--xx\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nfirst\r\n"
        "--xx\r\nContent-Disposition: form-data; name=\"classifiers\"\r\n\r\nignored\r\n"
        "--xx\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nMy_Pkg\r\n"
        "--xx\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n1.0\r\n"
        "--xx\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n" +
        std::string(40, 'd') +
        "\r\n--xx\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n"
        "--xx\r\nContent-Disposition: form-data; name=\"content\"; "
        "filename=\"my \\\"pkg\\\"-1.0.tar.gz\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        "BYTES\r\n--xx--\r\n";
    for (std::size_t chunk : {1UL, 2UL, 5UL, 13UL, 4096UL}) {
        multipart_extractor ex("xx", "content", {"name", "version", "description", "empty"}, 16);
        std::string file;
        const multipart_extractor::sink sink = [&](std::string_view s) {
            file.append(s);
            return std::error_code{};
        };
        for (std::size_t i = 0; i < twine.size(); i += chunk) {
            BOOST_REQUIRE(ex.feed(std::string_view(twine).substr(i, chunk), sink));
        }
        BOOST_TEST(ex.complete());
        BOOST_TEST(file == "BYTES");
        BOOST_TEST(ex.file_name().value_or("?") == "my \"pkg\"-1.0.tar.gz");
        BOOST_TEST(ex.fields().at("name") == "My_Pkg");
        BOOST_TEST(ex.fields().at("version") == "1.0");
        BOOST_TEST(ex.fields().at("description") == std::string(16, 'd'));
        BOOST_TEST(ex.field_cut("description"));
        BOOST_TEST(!ex.field_cut("name"));
        BOOST_TEST(ex.fields().at("empty").empty());
        BOOST_TEST(!ex.fields().contains("classifiers"));
        BOOST_TEST(ex.held() == 6u + 3u + 16u); // name, version, description: the kept values
    }
}

BOOST_AUTO_TEST_SUITE_END()
