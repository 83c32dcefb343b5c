#include "server/access_log.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using packyard::server::printable;
using packyard::server::redact_target;

BOOST_AUTO_TEST_SUITE(access_log)

BOOST_AUTO_TEST_CASE(secret_keys_are_found_however_they_are_encoded) {
    BOOST_TEST(redact_target("/u?private_token=s&a=1") == "/u?private_token=[FILTERED]&a=1");
    BOOST_TEST(redact_target("/u?private%5Ftoken=s") == "/u?private%5Ftoken=[FILTERED]");
    BOOST_TEST(redact_target("/u?%70rivate_token=s") == "/u?%70rivate_token=[FILTERED]");
    BOOST_TEST(redact_target("/u?PRIVATE_TOKEN=s") == "/u?PRIVATE_TOKEN=[FILTERED]");
    BOOST_TEST(redact_target("/u?job%5ftoken=s") == "/u?job%5ftoken=[FILTERED]");
    BOOST_TEST(redact_target("/u?private_token%5B%5D=s") == "/u?private_token%5B%5D=[FILTERED]");
    BOOST_TEST(redact_target("/u?token=s&password=p&client_secret=c") ==
               "/u?token=[FILTERED]&password=[FILTERED]&client_secret=[FILTERED]");
    // A malformed escape elsewhere in the key does not hide it.
    BOOST_TEST(redact_target("/u?%zzprivate_token=s") == "/u?%zzprivate_token=[FILTERED]");
    BOOST_TEST(redact_target("/u?tokens=1&tokenizer=2&a=token") ==
               "/u?tokens=1&tokenizer=2&a=token");
    BOOST_TEST(redact_target("/u") == "/u");
}

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

BOOST_AUTO_TEST_SUITE_END()
