#include "server/access_log.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

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

BOOST_AUTO_TEST_SUITE_END()
