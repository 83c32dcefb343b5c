#include "routing/gitlab_errors.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace packyard::routing;

namespace {

void check(const response& r, unsigned status, const std::string& body) {
    BOOST_TEST(r.status == status);
    BOOST_TEST(r.body == body);
    BOOST_TEST(r.content_type == "application/json");
    BOOST_TEST(r.headers.empty());
    BOOST_TEST(!r.file.has_value());
    BOOST_TEST(!r.close);
}

} // namespace

BOOST_AUTO_TEST_SUITE(gitlab_errors)

BOOST_AUTO_TEST_CASE(not_found_names_the_missing_thing) {
    check(not_found("Project"), 404, R"({"message":"404 Project Not Found"})");
    check(not_found("Group"), 404, R"({"message":"404 Group Not Found"})");
    check(not_found("Package not found"), 404, R"({"message":"404 Package not found Not Found"})");
}

BOOST_AUTO_TEST_CASE(not_found_without_a_name_is_the_plain_404) {
    check(not_found(), 404, R"({"message":"404 Not Found"})");
    check(not_found(""), 404, R"({"message":"404 Not Found"})");
}

BOOST_AUTO_TEST_CASE(forbidden_with_and_without_a_reason) {
    check(forbidden(), 403, R"({"message":"403 Forbidden"})");
    check(forbidden("x"), 403, R"({"message":"403 Forbidden - x"})");
}

BOOST_AUTO_TEST_CASE(bad_request_uses_a_lower_case_request) {
    check(bad_request("y"), 400, R"({"message":"400 Bad request - y"})");
}

BOOST_AUTO_TEST_CASE(unauthorized_accepted_and_internal_error_bodies) {
    check(unauthorized(), 401, R"({"message":"401 Unauthorized"})");
    check(accepted(), 202, R"({"message":"202 Accepted"})");
    check(internal_error(), 500, R"({"message":"500 Internal Server Error"})");
}

BOOST_AUTO_TEST_CASE(grape_errors_use_the_error_key) {
    check(error_response(400, "a, b"), 400, R"({"error":"a, b"})");
    check(error_response(405, "405 Not Allowed"), 405, R"({"error":"405 Not Allowed"})");
    check(bad_params("order_by does not have a valid value, sort does not have a valid value"), 400,
          R"({"error":"order_by does not have a valid value, sort does not have a valid value"})");
}

BOOST_AUTO_TEST_CASE(message_response_keeps_status_and_text) {
    check(message_response(409, "409 Conflict"), 409, R"({"message":"409 Conflict"})");
    check(message_response(404, "Package not found"), 404, R"({"message":"Package not found"})");
}

BOOST_AUTO_TEST_CASE(texts_are_json_escaped) {
    check(forbidden("say \"no\"\n"), 403, R"({"message":"403 Forbidden - say \"no\"\n"})");
    check(error_response(400, "a\\b"), 400, R"({"error":"a\\b"})");
    check(not_found("Tab\tGroup"), 404, R"({"message":"404 Tab\tGroup Not Found"})");
}

BOOST_AUTO_TEST_CASE(no_content_is_204_with_no_body_and_no_content_type) {
    const response r = no_content();
    BOOST_TEST(r.status == 204u);
    BOOST_TEST(r.body.empty());
    BOOST_TEST(r.content_type.empty());
    BOOST_TEST(r.headers.empty());
    BOOST_TEST(!r.file.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
