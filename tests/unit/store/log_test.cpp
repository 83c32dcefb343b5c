#include "store/log.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using packyard::log::append_json_string;
using packyard::log::printable;

BOOST_AUTO_TEST_SUITE(log_lines)

BOOST_AUTO_TEST_CASE(printable_keeps_utf8_and_escapes_everything_else) {
    BOOST_TEST(printable("/a/b?c=d") == "/a/b?c=d");
    BOOST_TEST(printable("caf\xC3\xA9 \xF0\x9F\x93\xA6") == "caf\xC3\xA9 \xF0\x9F\x93\xA6");
    BOOST_TEST(printable("\xFF\xFE") == "\\xff\\xfe");
    BOOST_TEST(printable("a\xC3") == "a\\xc3");                          // cut short
    BOOST_TEST(printable("\xC0\xAF") == "\\xc0\\xaf");                   // overlong '/'
    BOOST_TEST(printable("\xED\xA0\x80") == "\\xed\\xa0\\x80");          // a surrogate
    BOOST_TEST(printable("\xF4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80"); // past U+10FFFF
    BOOST_TEST(printable("a\nb\tc\\") == "a\\x0ab\\x09c\\x5c");
}

BOOST_AUTO_TEST_CASE(json_strings_escape_quotes_and_the_printable_escapes) {
    std::string out;
    append_json_string(out, "say \"hi\"\n\xFF");
    BOOST_TEST(out == R"("say \"hi\"\\x0a\\xff")");
}

BOOST_AUTO_TEST_SUITE_END()
