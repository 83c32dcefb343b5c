#include "routing/json.hpp"
#include "routing/pagination.hpp"

#include <boost/test/unit_test.hpp>

using namespace packyard::routing;

BOOST_AUTO_TEST_SUITE(pagination_rules)

BOOST_AUTO_TEST_CASE(kaminari_page_rules) {
    auto read = [](const char* q, validation& v) {
        param_map m;
        parse_urlencoded(q, m);
        return read_page_params(m, v);
    };
    validation v;
    auto d = read("", v);
    BOOST_TEST(d.page == 1u);
    BOOST_TEST(d.per_page == 20u);
    BOOST_TEST(read("per_page=101", v).per_page == 100u);
    BOOST_TEST(read("per_page=-5", v).per_page == 20u);
    BOOST_TEST(read("page=-1", v).page == 1u);
    BOOST_TEST(read("page=3&per_page=10", v).offset() == 20u);
    BOOST_TEST(v.ok());
    validation zero;
    read("per_page=0", zero);
    BOOST_TEST(zero.message() == "per_page has a value not allowed");
}

BOOST_AUTO_TEST_CASE(rails_form_escape_and_gitlab_timestamps) {
    BOOST_TEST(form_escape("a b/c~d") == "a+b%2Fc~d");
    BOOST_TEST(iso8601(0) == "1970-01-01T00:00:00.000Z");
    BOOST_TEST(iso8601(1574825858711) == "2019-11-27T03:37:38.711Z");
}

BOOST_AUTO_TEST_SUITE_END()
