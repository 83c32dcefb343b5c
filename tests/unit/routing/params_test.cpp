#include "routing/params.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace packyard::routing;

BOOST_TEST_DONT_PRINT_LOG_VALUE(packyard::routing::parse_outcome)

namespace {

using strings = std::vector<std::string>;

param_map parsed(std::string_view query) {
    param_map m;
    BOOST_REQUIRE(parse_urlencoded(query, m));
    return m;
}

std::string text_of(const param_map& m, std::string_view key) {
    const param_value* v = m.find(key);
    BOOST_REQUIRE_MESSAGE(v != nullptr, "no param " << key);
    BOOST_REQUIRE_MESSAGE(v->kind == param_value::shape::scalar, key << " is not a scalar");
    return v->text;
}

strings list_of(const param_map& m, std::string_view key) {
    const param_value* v = m.find(key);
    BOOST_REQUIRE_MESSAGE(v != nullptr, "no param " << key);
    BOOST_REQUIRE_MESSAGE(v->kind == param_value::shape::array, key << " is not an array");
    return v->list;
}

bool is(const param_map& m, std::string_view key, param_value::shape s) {
    const param_value* v = m.find(key);
    return v != nullptr && v->kind == s;
}

} // namespace

BOOST_AUTO_TEST_SUITE(params)

// parse_urlencoded

BOOST_AUTO_TEST_CASE(urlencoded_values_decode_percent_escapes_and_plus_as_space) {
    const auto m = parsed("name=my+pkg%2Fv%31&sp=%20a%2Bb&utf=%C3%A9");
    BOOST_TEST(text_of(m, "name") == "my pkg/v1");
    BOOST_TEST(text_of(m, "sp") == " a+b");
    BOOST_TEST(text_of(m, "utf") == "\xC3\xA9");
}

BOOST_AUTO_TEST_CASE(urlencoded_keys_are_decoded_too) {
    const auto m = parsed("package%5Fname=x&a+b=y");
    BOOST_TEST(text_of(m, "package_name") == "x");
    BOOST_TEST(text_of(m, "a b") == "y");
}

BOOST_AUTO_TEST_CASE(repeated_bracket_keys_become_one_array_in_order) {
    const auto m = parsed("scopes[]=api&scopes[]=read_api&scopes[]=api");
    BOOST_TEST(list_of(m, "scopes") == (strings{"api", "read_api", "api"}),
               boost::test_tools::per_element());
    BOOST_TEST(m.find("scopes[]") == nullptr);
    BOOST_TEST(m.items().size() == 1u);
}

BOOST_AUTO_TEST_CASE(encoded_brackets_also_make_an_array) {
    const auto m = parsed("s%5B%5D=a&s%5B%5D=b");
    BOOST_TEST(list_of(m, "s") == (strings{"a", "b"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(later_keys_win_over_earlier_ones) {
    const auto m = parsed("a=1&b=x&a=2");
    BOOST_TEST(text_of(m, "a") == "2");
    BOOST_TEST(text_of(m, "b") == "x");
    BOOST_TEST(m.items().size() == 2u);
    // A scalar after an array replaces it; an array after a scalar replaces it.
    const auto s = parsed("k[]=1&k=2");
    BOOST_TEST(text_of(s, "k") == "2");
    const auto a = parsed("k=1&k[]=2");
    BOOST_TEST(list_of(a, "k") == (strings{"2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(invalid_percent_encoding_returns_false) {
    param_map m;
    BOOST_TEST(!parse_urlencoded("a=%zz", m));
    BOOST_TEST(!parse_urlencoded("a=%2", m));
    BOOST_TEST(!parse_urlencoded("a=%", m));
    BOOST_TEST(!parse_urlencoded("%G1=x", m));
    BOOST_TEST(!parse_urlencoded("ok=1&bad=%x1", m));
}

BOOST_AUTO_TEST_CASE(empty_pieces_and_empty_keys_are_skipped) {
    const auto m = parsed("&&a=1&&=orphan&&b=2&");
    BOOST_TEST(m.items().size() == 2u);
    BOOST_TEST(text_of(m, "a") == "1");
    BOOST_TEST(text_of(m, "b") == "2");
    BOOST_TEST(parsed("").items().empty());
    BOOST_TEST(parsed("&").items().empty());
}

BOOST_AUTO_TEST_CASE(a_key_without_equals_or_value_is_an_empty_scalar) {
    const auto m = parsed("flag&empty=");
    BOOST_TEST(text_of(m, "flag") == "");
    BOOST_TEST(text_of(m, "empty") == "");
}

BOOST_AUTO_TEST_CASE(a_value_keeps_further_equals_signs) {
    const auto m = parsed("cursor=eyJpZCI6IjEifQ==");
    BOOST_TEST(text_of(m, "cursor") == "eyJpZCI6IjEifQ==");
}

BOOST_AUTO_TEST_CASE(a_view_into_a_longer_buffer_stops_at_its_end) {
    // Boost 1.81's parse_query() read past such a view; the last value must be exactly "2".
    const std::string buffer = "page=2abc";
    param_map m;
    BOOST_TEST(parse_urlencoded(std::string_view(buffer).substr(0, 6), m));
    BOOST_TEST(m.items().size() == 1u);
    BOOST_TEST(text_of(m, "page") == "2");
    // The same for a key with no value, and for an escape just before the view's end.
    const std::string buffer2 = "a=1&flagXYZ";
    param_map m2;
    BOOST_TEST(parse_urlencoded(std::string_view(buffer2).substr(0, 8), m2));
    BOOST_TEST(text_of(m2, "flag") == "");
    BOOST_TEST(m2.find("flagXYZ") == nullptr);
    const std::string buffer3 = "n=%41%42";
    param_map m3;
    BOOST_TEST(parse_urlencoded(std::string_view(buffer3).substr(0, 5), m3));
    BOOST_TEST(text_of(m3, "n") == "A");
}

// parse_json_object

BOOST_AUTO_TEST_CASE(json_objects_keep_scalars_as_their_text) {
    param_map m;
    BOOST_TEST(parse_json_object(
        R"({"s":"x y","n":3,"neg":-42,"f":1.5,"t":true,"fa":false,"e":"","u":"\u00e9"})", m));
    BOOST_TEST(text_of(m, "s") == "x y");
    BOOST_TEST(text_of(m, "n") == "3");
    BOOST_TEST(text_of(m, "neg") == "-42");
    BOOST_TEST(text_of(m, "f") == "1.5");
    BOOST_TEST(text_of(m, "t") == "true");
    BOOST_TEST(text_of(m, "fa") == "false");
    BOOST_TEST(text_of(m, "e") == "");
    BOOST_TEST(text_of(m, "u") == "\xC3\xA9");
    BOOST_TEST(m.items().size() == 8u);
}

BOOST_AUTO_TEST_CASE(json_null_arrays_and_objects_keep_their_shape) {
    param_map m;
    BOOST_TEST(parse_json_object(R"({"z":null,"a":["api",1,true],"empty":[],"o":{"k":"v"}})", m));
    BOOST_TEST(is(m, "z", param_value::shape::null));
    BOOST_TEST(list_of(m, "a") == (strings{"api", "1", "true"}), boost::test_tools::per_element());
    BOOST_TEST(list_of(m, "empty").empty());
    BOOST_TEST(is(m, "o", param_value::shape::object));
    BOOST_TEST(m.find("k") == nullptr);
}

BOOST_AUTO_TEST_CASE(json_duplicate_keys_keep_the_last_value) {
    param_map m;
    BOOST_TEST(parse_json_object(R"({"a":1,"a":2})", m));
    BOOST_TEST(text_of(m, "a") == "2");
    BOOST_TEST(m.items().size() == 1u);
}

BOOST_AUTO_TEST_CASE(json_bodies_that_are_not_objects_are_refused) {
    param_map m;
    BOOST_TEST(!parse_json_object("[1,2]", m));
    BOOST_TEST(!parse_json_object("\"s\"", m));
    BOOST_TEST(!parse_json_object("42", m));
    BOOST_TEST(!parse_json_object("null", m));
    BOOST_TEST(!parse_json_object("", m));
    BOOST_TEST(!parse_json_object("{", m));
    BOOST_TEST(!parse_json_object(R"({"a":1} trailing)", m));
    BOOST_TEST(m.items().empty());
    param_map ok;
    BOOST_TEST(parse_json_object("{}", ok));
    BOOST_TEST(ok.items().empty());
}

BOOST_AUTO_TEST_CASE(json_array_elements_that_are_containers_keep_their_json_text) {
    param_map m;
    BOOST_TEST(parse_json_object(R"({"a":[[1,"x"],{"k":[true,null]},null,1e2,-0.5]})", m));
    BOOST_TEST(list_of(m, "a") ==
                   (strings{R"([1,"x"])", R"({"k":[true,null]})", "null", "100.0", "-0.5"}),
               boost::test_tools::per_element());
    param_map n;
    BOOST_TEST(parse_json_object(R"({"big":18446744073709551615,"d":1e2,"o":{"a":[{"b":1}]}})", n));
    BOOST_TEST(text_of(n, "big") == "18446744073709551615");
    BOOST_TEST(text_of(n, "d") == "100.0");
    BOOST_TEST(is(n, "o", param_value::shape::object));
    BOOST_TEST(n.items().size() == 3u);
}

BOOST_AUTO_TEST_CASE(json_numbers_that_overflow_to_infinity_are_malformed_wherever_they_stand) {
    // Found by tests/fuzz/json_body_fuzz.cpp: RapidJSON reads 21e308 as infinity; as a member it
    // became "" (absent to int_param), in an array it failed the body, in an object it passed.
    for (const char* body : {R"({"access_level":21e308})", R"({"a":[1,[21e308]]})",
                             R"({"a":[-21e308]})", R"({"o":{"b":21e308}})"}) {
        param_map m;
        const auto got = parse_json_object(body, m);
        BOOST_TEST((got.what == parse_outcome::kind::malformed), body);
        BOOST_TEST(m.items().empty());
    }
    param_map m;
    BOOST_TEST(parse_json_object(R"({"a":1.7976931348623157e308})", m));
    BOOST_TEST(text_of(m, "a") == "1.7976931348623157e308");
}

BOOST_AUTO_TEST_CASE(json_bodies_past_the_parameter_limit_are_refused_whole) {
    auto object_of = [](std::size_t keys) {
        std::string body = "{";
        for (std::size_t i = 0; i < keys; ++i) {
            body += (i == 0 ? "\"k" : ",\"k") + std::to_string(i) + "\":1";
        }
        return body + "}";
    };
    param_map ok;
    BOOST_TEST(parse_json_object(object_of(max_params), ok));
    BOOST_TEST(ok.items().size() == max_params);
    BOOST_TEST(text_of(ok, "k4095") == "1");
    param_map m;
    const auto over = parse_json_object(object_of(max_params + 1), m);
    BOOST_TEST(!over);
    BOOST_TEST((over.what == parse_outcome::kind::too_many));
    BOOST_TEST(m.items().empty());
    // Array elements count too.
    std::string arr = R"({"a":[)";
    for (std::size_t i = 0; i <= max_params; ++i) {
        arr += i == 0 ? "1" : ",1";
    }
    BOOST_TEST((parse_json_object(arr + "]}", m).what == parse_outcome::kind::too_many));
}

BOOST_AUTO_TEST_CASE(json_nesting_is_bounded_without_recursion) {
    auto nested = [](std::size_t depth) {
        // depth counts the top-level object.
        return "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
    };
    param_map m;
    BOOST_TEST(parse_json_object(nested(max_json_depth), m));
    BOOST_TEST(
        (parse_json_object(nested(max_json_depth + 1), m).what == parse_outcome::kind::too_deep));
    // A million levels: refused at the limit, not after a stack overflow.
    BOOST_TEST((parse_json_object(nested(1'000'000), m).what == parse_outcome::kind::too_deep));
}

BOOST_AUTO_TEST_CASE(json_body_view_stops_at_its_end) {
    const std::string buffer = R"({"a":"b"}garbage)";
    param_map m;
    BOOST_TEST(parse_json_object(std::string_view(buffer).substr(0, 9), m));
    BOOST_TEST(text_of(m, "a") == "b");
}

// param_map

BOOST_AUTO_TEST_CASE(urlencoded_past_the_parameter_limit_is_refused) {
    std::string q;
    for (std::size_t i = 0; i < max_params; ++i) {
        q += "k" + std::to_string(i) + "=" + std::to_string(i) + "&";
    }
    param_map ok;
    BOOST_TEST(parse_urlencoded(q, ok));
    BOOST_TEST(ok.items().size() == max_params);
    param_map m;
    const auto over = parse_urlencoded(q + "one=more", m);
    BOOST_TEST((over.what == parse_outcome::kind::too_many));
    BOOST_TEST(over.reason() == "too many parameters");
}

BOOST_AUTO_TEST_CASE(large_maps_find_replace_and_append_through_their_index) {
    param_map m;
    for (int i = 0; i < 3000; ++i) {
        m.add_pair("k" + std::to_string(i), std::to_string(i));
    }
    for (int i = 0; i < 3000; i += 7) {
        m.add_pair("k" + std::to_string(i), "again");
        m.add_pair("list[]", std::to_string(i));
    }
    BOOST_TEST(m.items().size() == 3001u);
    BOOST_TEST(m.items()[5].first == "k5");
    BOOST_TEST(text_of(m, "k7") == "again");
    BOOST_TEST(text_of(m, "k8") == "8");
    BOOST_TEST(text_of(m, "k2999") == "2999");
    BOOST_TEST(list_of(m, "list").size() == 429u);
    BOOST_TEST(m.find("k3000") == nullptr);
    param_map copy = m; // the index is copied with the entries it points into
    copy.set("k1", param_value{param_value::shape::null, {}, {}});
    BOOST_TEST(is(copy, "k1", param_value::shape::null));
    BOOST_TEST(text_of(m, "k1") == "1");
}

BOOST_AUTO_TEST_CASE(set_replaces_in_place_and_find_misses_return_null) {
    param_map m;
    m.set("a", param_value{param_value::shape::scalar, "1", {}});
    m.set("b", param_value{param_value::shape::scalar, "2", {}});
    m.set("a", param_value{param_value::shape::null, {}, {}});
    BOOST_TEST(m.items().size() == 2u);
    BOOST_TEST(m.items()[0].first == "a");
    BOOST_TEST(is(m, "a", param_value::shape::null));
    BOOST_TEST(m.find("c") == nullptr);
}

// parse_bool / parse_int

BOOST_AUTO_TEST_CASE(grape_truthy_strings_parse_as_true) {
    for (const char* s : {"true", "1", "t", "y", "yes", "on", "TRUE", "True", "YES", "On"}) {
        const auto b = parse_bool(s);
        BOOST_TEST_CONTEXT("value " << s) {
            BOOST_TEST(b.has_value());
            BOOST_TEST(b.value_or(false) == true);
        }
    }
}

BOOST_AUTO_TEST_CASE(grape_falsy_strings_parse_as_false) {
    for (const char* s : {"false", "0", "f", "n", "no", "off", "", "FALSE", "False", "NO", "Off"}) {
        const auto b = parse_bool(s);
        BOOST_TEST_CONTEXT("value '" << s << "'") {
            BOOST_TEST(b.has_value());
            BOOST_TEST(b.value_or(true) == false);
        }
    }
}

BOOST_AUTO_TEST_CASE(other_strings_are_not_booleans) {
    for (const char* s : {"maybe", "2", "-1", "yess", " true", "true ", "nope", "ja"}) {
        BOOST_TEST_CONTEXT("value '" << s << "'") {
            BOOST_TEST(!parse_bool(s).has_value());
        }
    }
}

BOOST_AUTO_TEST_CASE(integers_parse_with_an_optional_sign) {
    BOOST_TEST(parse_int("+5").value_or(-1) == 5);
    BOOST_TEST(parse_int("-3").value_or(0) == -3);
    BOOST_TEST(parse_int("0").value_or(-1) == 0);
    BOOST_TEST(parse_int("007").value_or(-1) == 7);
    BOOST_TEST(parse_int("9223372036854775807").value_or(0) == INT64_MAX);
    BOOST_TEST(parse_int("-9223372036854775808").value_or(0) == INT64_MIN);
}

BOOST_AUTO_TEST_CASE(non_integers_and_overflow_are_refused) {
    for (const char* s : {"", "+", "-", "1x", "x1", "1.0", "1e3", " 1", "1 ", "0x10",
                          "99999999999999999999", "9223372036854775808", "++5"}) {
        BOOST_TEST_CONTEXT("value '" << s << "'") {
            BOOST_TEST(!parse_int(s).has_value());
        }
    }
}

BOOST_AUTO_TEST_CASE(a_plus_followed_by_a_minus_is_not_an_integer) {
    // Ruby's Integer("+-5", 10) raises, so Grape answers "page is invalid"; parse_int strips the
    // '+' and then lets from_chars read "-5".
    BOOST_TEST(!parse_int("+-5").has_value());
}

// typed reads and their phrases

BOOST_AUTO_TEST_CASE(int_param_reads_coerces_and_reports_is_invalid) {
    param_map m;
    BOOST_REQUIRE(parse_urlencoded("n=%2B5&neg=-2&bad=1x&arr[]=1", m));
    BOOST_REQUIRE(parse_json_object(R"({"z":null,"j":7,"b":true})", m));
    validation v;
    BOOST_TEST(int_param(m, "n", v).value_or(0) == 5);
    BOOST_TEST(int_param(m, "neg", v).value_or(0) == -2);
    BOOST_TEST(int_param(m, "j", v).value_or(0) == 7);
    BOOST_TEST(!int_param(m, "absent", v).has_value());
    BOOST_TEST(!int_param(m, "z", v).has_value());
    BOOST_TEST(v.ok());
    BOOST_TEST(!int_param(m, "bad", v).has_value());
    BOOST_TEST(!int_param(m, "arr", v).has_value());
    BOOST_TEST(!int_param(m, "b", v).has_value());
    BOOST_TEST(!v.ok());
    BOOST_TEST(v.message() == "bad is invalid, arr is invalid, b is invalid");
}

BOOST_AUTO_TEST_CASE(an_empty_integer_is_absent_as_grape_treats_empty_strings_as_nil) {
    // Grape's PrimitiveCoercer#treat_as_nil?: '' for a non-String type coerces to nil, so the
    // param counts as not given (and its default applies): "?page=" is page 1, no error.
    const auto m = parsed("page=&flag");
    validation v;
    BOOST_TEST(!int_param(m, "page", v).has_value());
    BOOST_TEST(!int_param(m, "flag", v).has_value());
    BOOST_TEST(v.ok());
    BOOST_TEST(v.message() == "");
}

BOOST_AUTO_TEST_CASE(bool_param_reads_coerces_and_reports_is_invalid) {
    param_map m;
    BOOST_REQUIRE(parse_urlencoded("t=yes&f=0&up=TRUE&maybe=maybe&arr[]=true", m));
    BOOST_REQUIRE(parse_json_object(R"({"jt":true,"jf":false,"z":null,"n":2})", m));
    validation v;
    BOOST_TEST(bool_param(m, "t", v).value_or(false) == true);
    BOOST_TEST(bool_param(m, "f", v).value_or(true) == false);
    BOOST_TEST(bool_param(m, "up", v).value_or(false) == true);
    BOOST_TEST(bool_param(m, "jt", v).value_or(false) == true);
    BOOST_TEST(bool_param(m, "jf", v).value_or(true) == false);
    BOOST_TEST(!bool_param(m, "z", v).has_value());
    BOOST_TEST(!bool_param(m, "absent", v).has_value());
    BOOST_TEST(v.ok());
    BOOST_TEST(!bool_param(m, "maybe", v).has_value());
    BOOST_TEST(!bool_param(m, "arr", v).has_value());
    BOOST_TEST(!bool_param(m, "n", v).has_value());
    BOOST_TEST(v.message() == "maybe is invalid, arr is invalid, n is invalid");
}

BOOST_AUTO_TEST_CASE(string_param_accepts_scalars_and_refuses_arrays_and_objects) {
    param_map m;
    BOOST_REQUIRE(parse_json_object(R"({"s":"x","n":12,"a":["x"],"o":{},"z":null})", m));
    validation v;
    BOOST_TEST(string_param(m, "s", v).value_or("") == "x");
    BOOST_TEST(string_param(m, "n", v).value_or("") == "12");
    BOOST_TEST(!string_param(m, "z", v).has_value());
    BOOST_TEST(!string_param(m, "absent", v).has_value());
    BOOST_TEST(v.ok());
    BOOST_TEST(!string_param(m, "a", v).has_value());
    BOOST_TEST(!string_param(m, "o", v).has_value());
    BOOST_TEST(v.message() == "a is invalid, o is invalid");
}

BOOST_AUTO_TEST_CASE(required_string_reports_is_missing_for_absent_and_null) {
    param_map m;
    BOOST_REQUIRE(parse_json_object(R"({"name":"pkg","empty":"","z":null,"a":[1]})", m));
    validation v;
    BOOST_TEST(required_string(m, "name", v).value_or("?") == "pkg");
    BOOST_TEST(required_string(m, "empty", v).value_or("?") == "");
    BOOST_TEST(v.ok());
    BOOST_TEST(!required_string(m, "file", v).has_value());
    BOOST_TEST(!required_string(m, "z", v).has_value());
    BOOST_TEST(!required_string(m, "a", v).has_value());
    BOOST_TEST(v.message() == "file is missing, z is missing, a is invalid");
}

BOOST_AUTO_TEST_CASE(enum_param_accepts_exact_members_only) {
    const auto m = parsed("order_by=name&sort=DESC&status=&arr[]=name");
    validation v;
    BOOST_TEST(
        enum_param(m, "order_by", {"created_at", "name", "version", "type"}, v).value_or("") ==
        "name");
    BOOST_TEST(!enum_param(m, "absent", {"a"}, v).has_value());
    BOOST_TEST(v.ok());
    BOOST_TEST(!enum_param(m, "sort", {"asc", "desc"}, v).has_value());
    BOOST_TEST(!enum_param(m, "status", {"default", "hidden"}, v).has_value());
    BOOST_TEST(!enum_param(m, "arr", {"name"}, v).has_value());
    BOOST_TEST(v.message() == "sort does not have a valid value, status does not have a valid "
                              "value, arr does not have a valid value");
}

BOOST_AUTO_TEST_CASE(enum_param_takes_a_span_of_allowed_values) {
    const auto m = parsed("package_type=generic");
    static constexpr std::string_view allowed[] = {"maven", "npm", "generic"};
    validation v;
    BOOST_TEST(
        enum_param(m, "package_type", std::span<const std::string_view>(allowed), v).value_or("") ==
        "generic");
    BOOST_TEST(v.ok());
}

BOOST_AUTO_TEST_CASE(validation_message_joins_phrases_with_comma_space) {
    validation v;
    BOOST_TEST(v.ok());
    BOOST_TEST(v.message() == "");
    v.add("order_by does not have a valid value");
    BOOST_TEST(!v.ok());
    BOOST_TEST(v.message() == "order_by does not have a valid value");
    v.add("sort does not have a valid value");
    v.add("page is invalid");
    BOOST_TEST(v.message() ==
               "order_by does not have a valid value, sort does not have a valid value, "
               "page is invalid");
}

BOOST_AUTO_TEST_CASE(all_typed_reads_share_one_validation_in_call_order) {
    const auto m = parsed("n=%2B5&bad=1x&t=yes&f=0&maybe=maybe&e=zzz");
    validation v;
    BOOST_TEST(int_param(m, "n", v).value_or(0) == 5);
    BOOST_TEST(!int_param(m, "bad", v).has_value());
    BOOST_TEST(bool_param(m, "t", v).value_or(false) == true);
    BOOST_TEST(bool_param(m, "f", v).value_or(true) == false);
    BOOST_TEST(!bool_param(m, "maybe", v).has_value());
    BOOST_TEST(!enum_param(m, "e", {"a", "b"}, v).has_value());
    BOOST_TEST(!required_string(m, "missing", v).has_value());
    BOOST_TEST(v.message() == "bad is invalid, maybe is invalid, e does not have a valid value, "
                              "missing is missing");
}

BOOST_AUTO_TEST_SUITE_END()
