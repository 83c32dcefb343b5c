#include "routing/params.hpp"

#include <boost/test/unit_test.hpp>

using namespace packyard::routing;

BOOST_AUTO_TEST_SUITE(params)

BOOST_AUTO_TEST_CASE(urlencoded_pairs_decode_plus_percent_and_arrays) {
    param_map m;
    BOOST_TEST(parse_urlencoded("a=1&b=x+y%2Fz&s[]=api&s[]=read_api&&a=2", m));
    BOOST_TEST(m.find("a")->text == "2");
    BOOST_TEST(m.find("b")->text == "x y/z");
    BOOST_TEST((m.find("s")->kind == param_value::shape::array));
    BOOST_TEST(m.find("s")->list == (std::vector<std::string>{"api", "read_api"}),
               boost::test_tools::per_element());
    param_map bad;
    BOOST_TEST(!parse_urlencoded("a=%zz", bad));
}

BOOST_AUTO_TEST_CASE(a_view_into_a_longer_buffer_stops_at_its_end) {
    // Boost 1.81's parse_query() read past such a view; the last value must be exactly "2".
    const std::string buffer = "page=2abc";
    param_map m;
    BOOST_TEST(parse_urlencoded(std::string_view(buffer).substr(0, 6), m));
    BOOST_TEST(m.find("page")->text == "2");
}

BOOST_AUTO_TEST_CASE(grape_coercions_and_messages) {
    param_map m;
    BOOST_TEST(parse_urlencoded("n=%2B5&bad=1x&t=yes&f=0&maybe=maybe&e=zzz", m));
    validation v;
    BOOST_TEST(*int_param(m, "n", v) == 5);
    BOOST_TEST(!int_param(m, "bad", v).has_value());
    BOOST_TEST(*bool_param(m, "t", v));
    BOOST_TEST(!*bool_param(m, "f", v));
    BOOST_TEST(!bool_param(m, "maybe", v).has_value());
    BOOST_TEST(!enum_param(m, "e", {"a", "b"}, v).has_value());
    BOOST_TEST(!required_string(m, "missing", v).has_value());
    BOOST_TEST(v.message() == "bad is invalid, maybe is invalid, e does not have a valid value, "
                              "missing is missing");
}

BOOST_AUTO_TEST_CASE(json_bodies_keep_shapes) {
    param_map m;
    BOOST_TEST(parse_json_object(R"({"s":"x","n":3,"b":true,"z":null,"a":["api",1],"o":{}})", m));
    BOOST_TEST(m.find("n")->text == "3");
    BOOST_TEST(m.find("b")->text == "true");
    BOOST_TEST((m.find("z")->kind == param_value::shape::null));
    BOOST_TEST(m.find("a")->list == (std::vector<std::string>{"api", "1"}),
               boost::test_tools::per_element());
    BOOST_TEST((m.find("o")->kind == param_value::shape::object));
    param_map not_object;
    BOOST_TEST(!parse_json_object("[1,2]", not_object));
    BOOST_TEST(!parse_json_object("{", not_object));
}

BOOST_AUTO_TEST_SUITE_END()
