#include "routing/json.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <optional>
#include <rapidjson/document.h>
#include <string>
#include <vector>

using namespace packyard::routing;

BOOST_AUTO_TEST_SUITE(json)

// iso8601

BOOST_AUTO_TEST_CASE(the_epoch_formats_with_milliseconds_and_z) {
    BOOST_TEST(iso8601(0) == "1970-01-01T00:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(a_gitlab_timestamp_formats_like_gitlab) {
    BOOST_TEST(iso8601(1574825858711) == "2019-11-27T03:37:38.711Z");
}

BOOST_AUTO_TEST_CASE(leap_days_and_year_ends_format_correctly) {
    BOOST_TEST(iso8601(1709164800000) == "2024-02-29T00:00:00.000Z");
    BOOST_TEST(iso8601(951782400000) == "2000-02-29T00:00:00.000Z");
    BOOST_TEST(iso8601(1704067199999) == "2023-12-31T23:59:59.999Z");
    BOOST_TEST(iso8601(1704067200000) == "2024-01-01T00:00:00.000Z");
    BOOST_TEST(iso8601(4102444800001) == "2100-01-01T00:00:00.001Z");
    BOOST_TEST(iso8601(253402300799999) == "9999-12-31T23:59:59.999Z");
}

BOOST_AUTO_TEST_CASE(negative_milliseconds_count_back_from_the_epoch) {
    BOOST_TEST(iso8601(-1) == "1969-12-31T23:59:59.999Z");
    BOOST_TEST(iso8601(-1000) == "1969-12-31T23:59:59.000Z");
    BOOST_TEST(iso8601(-1001) == "1969-12-31T23:59:58.999Z");
    BOOST_TEST(iso8601(-86400000) == "1969-12-31T00:00:00.000Z");
    BOOST_TEST(iso8601(-86400001) == "1969-12-30T23:59:59.999Z");
}

BOOST_AUTO_TEST_CASE(append_iso8601_appends_to_what_is_there) {
    std::string s = "at ";
    append_iso8601(s, 1574825858711);
    BOOST_TEST(s == "at 2019-11-27T03:37:38.711Z");
    append_iso8601(s, 0);
    BOOST_TEST(s == "at 2019-11-27T03:37:38.711Z1970-01-01T00:00:00.000Z");
}

// json_writer

BOOST_AUTO_TEST_CASE(writer_emits_nested_objects_and_arrays_compactly) {
    json_writer w;
    w.begin_object()
        .field_i("id", 5)
        .field("name", "pkg")
        .key("tags")
        .begin_array()
        .str("a")
        .i64(-1)
        .u64(18446744073709551615ULL)
        .boolean(false)
        .null()
        .begin_object()
        .end_object()
        .end_array()
        .key("links")
        .begin_object()
        .field("web_path", "/g/p/-/packages/5")
        .field_null("none")
        .end_object()
        .field_u("size", 42)
        .field_b("ok", true)
        .end_object();
    BOOST_TEST(w.take() ==
               R"({"id":5,"name":"pkg","tags":["a",-1,18446744073709551615,false,null,{}],)"
               R"("links":{"web_path":"/g/p/-/packages/5","none":null},"size":42,"ok":true})");
}

BOOST_AUTO_TEST_CASE(writer_escapes_quotes_backslashes_and_control_characters) {
    json_writer w;
    w.begin_object().field("k\"ey", "a\"b\\c\nd\te\x01/\xC3\xA9").end_object();
    BOOST_TEST(w.take() == "{\"k\\\"ey\":\"a\\\"b\\\\c\\nd\\te\\u0001/\xC3\xA9\"}");
}

BOOST_AUTO_TEST_CASE(writer_keeps_embedded_nul_bytes_by_length) {
    json_writer w;
    w.begin_array().str(std::string_view("a\0b", 3)).end_array();
    BOOST_TEST(w.take() == "[\"a\\u0000b\"]");
}

BOOST_AUTO_TEST_CASE(opt_str_writes_the_string_or_null) {
    json_writer w;
    w.begin_array()
        .opt_str(std::optional<std::string>("x"))
        .opt_str(std::nullopt)
        .opt_str(std::optional<std::string>(""))
        .end_array();
    BOOST_TEST(w.take() == R"(["x",null,""])");
}

BOOST_AUTO_TEST_CASE(time_writes_a_timestamp_or_null_for_zero) {
    json_writer w;
    w.begin_object()
        .key("created_at")
        .time(1574825858711)
        .key("last_downloaded_at")
        .time(0)
        .end_object();
    BOOST_TEST(w.take() ==
               R"({"created_at":"2019-11-27T03:37:38.711Z","last_downloaded_at":null})");
}

BOOST_AUTO_TEST_CASE(take_moves_the_document_out_and_resets_for_reuse) {
    json_writer w;
    w.begin_object().field_i("a", 1).end_object();
    BOOST_TEST(w.take() == R"({"a":1})");
    BOOST_TEST(w.take() == "");
    w.begin_array().i64(2).end_array();
    BOOST_TEST(w.take() == "[2]");
    w.str("solo");
    BOOST_TEST(w.take() == R"("solo")");
}

BOOST_AUTO_TEST_CASE(take_after_an_unfinished_document_still_resets) {
    json_writer w;
    w.begin_object().key("a");
    BOOST_TEST(w.take() == R"({"a")");
    w.begin_array().end_array();
    BOOST_TEST(w.take() == "[]");
}

BOOST_AUTO_TEST_CASE(every_control_byte_is_escaped_wherever_it_stands_in_a_long_string) {
    // RapidJSON 1.1.0's SSE2 scan copied 0x1A-0x1F raw past the first aligned 16 bytes; the
    // fuzzer's input first, then each control byte at each place in 48 bytes.
    const std::string found("\xff\xff\xff\x63\x04\x15\x32\x0b\x01\x03\x61\x62\x63\x04\x15\x31"
                            "\x36 plain by\x1f\x00\x00\x00\x00\x00\x00\x00\x21\x03\x03",
                            37);
    std::vector<std::string> texts{found};
    for (int c = 0; c < 0x20; ++c) {
        for (std::size_t at = 0; at < 48; ++at) {
            std::string s(48, 'a');
            s[at] = static_cast<char>(c);
            texts.push_back(s);
        }
    }
    for (const auto& s : texts) {
        json_writer w;
        w.begin_array().str(s).end_array();
        const std::string out = w.take();
        for (const std::string& text : {out, json_quote(s)}) {
            BOOST_TEST(std::none_of(text.begin(), text.end(),
                                    [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
            rapidjson::Document d;
            d.Parse(text.data(), text.size());
            BOOST_TEST(!d.HasParseError());
        }
    }
}

// json_quote

BOOST_AUTO_TEST_CASE(json_quote_wraps_and_escapes) {
    BOOST_TEST(json_quote("") == R"("")");
    BOOST_TEST(json_quote("404 Project Not Found") == R"("404 Project Not Found")");
    BOOST_TEST(json_quote("say \"hi\"\\") == R"("say \"hi\"\\")");
    BOOST_TEST(json_quote("l1\r\nl2\b\f") == R"("l1\r\nl2\b\f")");
    BOOST_TEST(json_quote("\x1F") == R"("\u001F")");
    BOOST_TEST(json_quote("a/b <&>") == R"("a/b <&>")");
}

BOOST_AUTO_TEST_SUITE_END()
