#include "routing/allow_list.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace packyard::routing;

BOOST_AUTO_TEST_SUITE(metrics_allow_list)

BOOST_AUTO_TEST_CASE(the_default_is_loopback_of_both_families) {
    const auto l = allow_list::loopback();
    BOOST_TEST(l.allows("127.0.0.1"));
    BOOST_TEST(l.allows("127.255.0.9"));
    BOOST_TEST(l.allows("::1"));
    BOOST_TEST(l.allows("::ffff:127.0.0.1")); // a dual-stack socket's IPv4 peer
    BOOST_TEST(!l.allows("128.0.0.1"));
    BOOST_TEST(!l.allows("10.0.0.1"));
    BOOST_TEST(!l.allows("::2"));
    BOOST_TEST(!l.allows("-")); // a peer whose address could not be read
    BOOST_TEST(!l.allows(""));
}

BOOST_AUTO_TEST_CASE(networks_and_addresses_parse_with_commas_or_spaces) {
    std::string error;
    const auto l = allow_list::parse("10.1.2.3/16, 192.168.0.7  fd00::/8,2001:db8::1", error);
    BOOST_REQUIRE(l.has_value());
    BOOST_TEST(l->allows("10.1.200.1")); // host bits of 10.1.2.3/16 are dropped, as IPAddr does
    BOOST_TEST(!l->allows("10.2.0.1"));
    BOOST_TEST(l->allows("192.168.0.7"));
    BOOST_TEST(!l->allows("192.168.0.8"));
    BOOST_TEST(l->allows("fd12:3456::1"));
    BOOST_TEST(l->allows("2001:db8::1"));
    BOOST_TEST(!l->allows("2001:db8::2"));
    BOOST_TEST(!l->allows("127.0.0.1"));
    BOOST_TEST(!l->allows("::ffff:10.2.0.1"));
    BOOST_TEST(l->allows("::ffff:10.1.0.1"));

    const auto nobody = allow_list::parse("", error);
    BOOST_REQUIRE(nobody.has_value());
    BOOST_TEST(!nobody->allows("127.0.0.1"));
    const auto everyone = allow_list::parse("0.0.0.0/0,::/0", error);
    BOOST_REQUIRE(everyone.has_value());
    BOOST_TEST(everyone->allows("203.0.113.9"));
    BOOST_TEST(everyone->allows("2001:db8::9"));
}

BOOST_AUTO_TEST_CASE(an_entry_that_does_not_parse_is_named) {
    for (const auto* bad : {"10.0.0.0/33", "10.0.0/8", "localhost", "10.0.0.0/", "::1/129",
                            "10.0.0.0/8x", "127.0.0.1,nonsense"}) {
        std::string error;
        BOOST_TEST_INFO(bad);
        BOOST_TEST(!allow_list::parse(bad, error).has_value());
        BOOST_TEST(error.find('\'') != std::string::npos);
    }
    std::string error;
    (void)allow_list::parse("127.0.0.1,nonsense", error);
    BOOST_TEST(error == "'nonsense' is neither an address nor a network (CIDR)");
}

BOOST_AUTO_TEST_SUITE_END()
