#include "store/clock.hpp"

#include <boost/test/unit_test.hpp>

using namespace packyard::store;

BOOST_AUTO_TEST_SUITE(store_clock)

BOOST_AUTO_TEST_CASE(iso8601_is_gitlabs_24_characters_for_any_millisecond) {
    BOOST_TEST(iso8601(0) == "1970-01-01T00:00:00.000Z");
    BOOST_TEST(iso8601(1574825858711) == "2019-11-27T03:37:38.711Z");
    BOOST_TEST(iso8601(951782400000) == "2000-02-29T00:00:00.000Z"); // leap day of a /400 year
    BOOST_TEST(iso8601(-1) == "1969-12-31T23:59:59.999Z");
    BOOST_TEST(iso8601(253402300799999) == "9999-12-31T23:59:59.999Z");
}

BOOST_AUTO_TEST_CASE(dates_must_be_real_calendar_days) {
    BOOST_TEST(*parse_date("2024-02-29") == 1709164800000);
    BOOST_TEST(!parse_date("2023-02-29"));
    BOOST_TEST(!parse_date("2023-13-01"));
    BOOST_TEST(!parse_date("2023-04-31"));
    BOOST_TEST(!parse_date("2023-4-01"));
    BOOST_TEST(!parse_date("2023-04-01 "));
    BOOST_TEST(!parse_date("yyyy-mm-dd"));
}

BOOST_AUTO_TEST_CASE(http_dates_in_imf_fixdate_and_iso_8601) {
    BOOST_TEST(*parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777000);
    BOOST_TEST(*parse_http_date("1994-11-06T08:49:37") == 784111777000);
    BOOST_TEST(*parse_http_date("1994-11-06T08:49:37.123Z") == 784111777000);
    BOOST_TEST(!parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
    BOOST_TEST(!parse_http_date("Sun, 31 Nov 1994 08:49:37 GMT"));
    BOOST_TEST(!parse_http_date("Sun, 06 Nov 1994 24:49:37 GMT"));
    BOOST_TEST(!parse_http_date("yesterday"));
}

BOOST_AUTO_TEST_SUITE_END()
