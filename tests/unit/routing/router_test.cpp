#include "routing/router.hpp"

#include <boost/test/unit_test.hpp>

using namespace packyard::routing;

namespace {
response dummy(request_context&) {
    return {};
}
const route table[] = {
    read_route(method::get, "/a/self", dummy),
    read_route(method::get, "/a/:id", dummy),
    read_route(method::get, "/p/:id/generic/:name/:rest*", dummy),
    read_route(method::post, "/a/:id/items", dummy),
};
} // namespace

BOOST_AUTO_TEST_SUITE(router_matching)

BOOST_AUTO_TEST_CASE(parameters_are_captured_encoded_and_first_row_wins) {
    router r(table);
    auto self = r.match(method::get, "/a/self");
    BOOST_TEST(self.matched == &table[0]);
    auto id = r.match(method::get, "/a/group%2Fproject");
    BOOST_TEST(id.matched == &table[1]);
    BOOST_TEST(id.params.at(0).second == "group%2Fproject");
    auto rest = r.match(method::head, "/p/1/generic/pkg/1.0/a/b/file");
    BOOST_TEST(rest.matched == &table[2]);
    BOOST_TEST(rest.params.at(2).second == "1.0/a/b/file");
    BOOST_TEST(r.match(method::get, "/p/1/generic/pkg/1.0//file").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/a/").matched == nullptr);
}

BOOST_AUTO_TEST_CASE(known_path_with_another_method_lists_allow) {
    router r(table);
    auto m = r.match(method::delete_, "/a/7/items");
    BOOST_TEST(m.matched == nullptr);
    BOOST_TEST(m.allow == "OPTIONS, POST");
    auto g = r.match(method::put, "/a/7");
    BOOST_TEST(g.allow == "OPTIONS, GET, HEAD");
    BOOST_TEST(r.match(method::get, "/nothing").allow.empty());
}

BOOST_AUTO_TEST_CASE(the_real_table_compiles_and_routes) {
    router r(all_routes());
    BOOST_TEST(r.match(method::get, "/api/v4/projects/g%2Fp/packages").matched != nullptr);
    BOOST_TEST((r.match(method::put, "/api/v4/projects/1/packages/generic/n/1.0/f").matched->body ==
                body_kind::stream));
    BOOST_TEST(r.match(method::delete_, "/api/v4/personal_access_tokens/self").matched->pattern ==
               "/api/v4/personal_access_tokens/self");
    BOOST_TEST(r.match(method::get, "/api/v4/groups/1/packages").matched->flags == 0u);
}

BOOST_AUTO_TEST_CASE(duplicate_rows_are_refused) {
    const route dup[] = {read_route(method::get, "/x", dummy),
                         read_route(method::get, "/x", dummy)};
    BOOST_CHECK_THROW(router{dup}, std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
