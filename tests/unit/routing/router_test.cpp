#include "routing/router.hpp"

#include <boost/test/unit_test.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using namespace packyard::routing;

namespace {

outcome dummy(request_context&, const packyard::store::read_txn&) {
    return {};
}

outcome other(request_context&, const packyard::store::read_txn&) {
    response r;
    r.status = 201;
    return r;
}

const route table[] = {
    plain_route(method::get, "/a/self", dummy),                     // 0
    plain_route(method::get, "/a/:id", dummy),                      // 1
    plain_route(method::get, "/p/:id/generic/:name/:rest*", dummy), // 2
    plain_route(method::post, "/a/:id/items", other),               // 3
    plain_route(method::get, "/api/v4/version", dummy),             // 4
    plain_route(method::delete_, "/a/:id", dummy),                  // 5
    plain_route(method::put, "/a/:id/items/:item_id", dummy),       // 6
    plain_route(method::delete_, "/a/:id/items/:item_id", dummy),   // 7
    plain_route(method::get, "/files/:path*", dummy),               // 8
};

std::string_view param(const route_match& m, std::string_view name) {
    for (const auto& [k, v] : m.params) {
        if (k == name) {
            return v;
        }
    }
    BOOST_FAIL("no path parameter " << name);
    return {};
}

} // namespace

BOOST_AUTO_TEST_SUITE(router_matching)

BOOST_AUTO_TEST_CASE(a_literal_path_matches_its_row_with_no_params) {
    const router r(table);
    const auto m = r.match(method::get, "/api/v4/version");
    BOOST_TEST(m.matched == &table[4]);
    BOOST_TEST(m.params.empty());
    BOOST_TEST(m.allow.empty());
}

BOOST_AUTO_TEST_CASE(a_param_captures_one_encoded_segment) {
    const router r(table);
    const auto m = r.match(method::get, "/a/group%2Fproject");
    BOOST_TEST(m.matched == &table[1]);
    BOOST_TEST(m.params.size() == 1u);
    BOOST_TEST(m.params.at(0).first == "id");
    BOOST_TEST(m.params.at(0).second == "group%2Fproject");
    // A raw slash makes two segments, which "/a/:id" does not match.
    BOOST_TEST(r.match(method::get, "/a/group/project").matched == nullptr);
}

BOOST_AUTO_TEST_CASE(several_params_are_captured_in_pattern_order) {
    const router r(table);
    const auto m = r.match(method::put, "/a/7/items/9");
    BOOST_TEST(m.matched == &table[6]);
    BOOST_TEST(m.params.size() == 2u);
    BOOST_TEST(m.params.at(0).first == "id");
    BOOST_TEST(m.params.at(0).second == "7");
    BOOST_TEST(m.params.at(1).first == "item_id");
    BOOST_TEST(m.params.at(1).second == "9");
}

BOOST_AUTO_TEST_CASE(a_rest_param_captures_the_remaining_segments_with_slashes) {
    const router r(table);
    const auto m = r.match(method::get, "/p/1/generic/pkg/1.0/a/b/file.tar.gz");
    BOOST_TEST(m.matched == &table[2]);
    BOOST_TEST(m.params.size() == 3u);
    BOOST_TEST(param(m, "id") == "1");
    BOOST_TEST(param(m, "name") == "pkg");
    BOOST_TEST(param(m, "rest") == "1.0/a/b/file.tar.gz");
    const auto one = r.match(method::get, "/p/1/generic/pkg/1.0");
    BOOST_TEST(one.matched == &table[2]);
    BOOST_TEST(param(one, "rest") == "1.0");
    const auto encoded = r.match(method::get, "/files/a%2Fb/c%20d");
    BOOST_TEST(encoded.matched == &table[8]);
    BOOST_TEST(param(encoded, "path") == "a%2Fb/c%20d");
}

BOOST_AUTO_TEST_CASE(a_rest_param_needs_at_least_one_segment) {
    const router r(table);
    BOOST_TEST(r.match(method::get, "/p/1/generic/pkg").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/files").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/files/").matched == nullptr);
}

BOOST_AUTO_TEST_CASE(empty_segments_do_not_match) {
    const router r(table);
    BOOST_TEST(r.match(method::get, "/a/").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/a//").matched == nullptr);
    BOOST_TEST(r.match(method::get, "//a/1").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/a/1/").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/p/1/generic/pkg/1.0//file").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/p/1/generic/pkg/1.0/file/").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/p//generic/pkg/1.0").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/api/v4//version").matched == nullptr);
    BOOST_TEST(r.match(method::get, "").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/").matched == nullptr);
}

BOOST_AUTO_TEST_CASE(literals_match_exactly_and_case_sensitively) {
    const router r(table);
    BOOST_TEST(r.match(method::get, "/api/v4/Version").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/api/v4/version/x").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/api/v4").matched == nullptr);
    BOOST_TEST(r.match(method::get, "/api/v4/versions").matched == nullptr);
}

BOOST_AUTO_TEST_CASE(head_matches_get_routes) {
    const router r(table);
    const auto m = r.match(method::head, "/a/5");
    BOOST_TEST(m.matched == &table[1]);
    BOOST_TEST(param(m, "id") == "5");
    BOOST_TEST(r.match(method::head, "/api/v4/version").matched == &table[4]);
    BOOST_TEST(r.match(method::head, "/p/1/generic/pkg/1.0/f").matched == &table[2]);
}

BOOST_AUTO_TEST_CASE(the_method_picks_among_rows_of_one_path) {
    const router r(table);
    BOOST_TEST(r.match(method::get, "/a/7").matched == &table[1]);
    BOOST_TEST(r.match(method::delete_, "/a/7").matched == &table[5]);
    BOOST_TEST(r.match(method::delete_, "/a/7/items/1").matched == &table[7]);
    BOOST_TEST(r.match(method::post, "/a/7/items").matched == &table[3]);
}

BOOST_AUTO_TEST_CASE(a_wrong_method_gives_no_match_and_lists_allow) {
    const router r(table);
    const auto post_only = r.match(method::delete_, "/a/7/items");
    BOOST_TEST(post_only.matched == nullptr);
    BOOST_TEST(post_only.params.empty());
    BOOST_TEST(post_only.allow == "OPTIONS, POST");

    const auto get_delete = r.match(method::put, "/a/7");
    BOOST_TEST(get_delete.matched == nullptr);
    BOOST_TEST(get_delete.allow.starts_with("OPTIONS"));
    BOOST_TEST(get_delete.allow.find("GET") != std::string::npos);
    BOOST_TEST(get_delete.allow.find("HEAD") != std::string::npos);
    BOOST_TEST(get_delete.allow.find("DELETE") != std::string::npos);
    BOOST_TEST(get_delete.allow == "OPTIONS, GET, HEAD, DELETE");

    const auto get_only = r.match(method::post, "/api/v4/version");
    BOOST_TEST(get_only.allow == "OPTIONS, GET, HEAD");

    const auto put_delete = r.match(method::get, "/a/7/items/1");
    BOOST_TEST(put_delete.matched == nullptr);
    BOOST_TEST(put_delete.allow == "OPTIONS, PUT, DELETE");

    const auto head_on_post = r.match(method::head, "/a/7/items");
    BOOST_TEST(head_on_post.matched == nullptr);
    BOOST_TEST(head_on_post.allow == "OPTIONS, POST");
}

BOOST_AUTO_TEST_CASE(a_method_is_listed_once_even_when_several_rows_allow_it) {
    const router r(table);
    // "/a/self" matches both GET rows 0 and 1.
    const auto m = r.match(method::patch, "/a/self");
    BOOST_TEST(m.matched == nullptr);
    BOOST_TEST(m.allow == "OPTIONS, GET, HEAD, DELETE");
}

BOOST_AUTO_TEST_CASE(an_unknown_path_has_no_match_and_no_allow) {
    const router r(table);
    for (const auto m : {method::get, method::head, method::post, method::delete_, method::options,
                         method::other}) {
        const auto res = r.match(m, "/nothing/here");
        BOOST_TEST(res.matched == nullptr);
        BOOST_TEST(res.allow.empty());
        BOOST_TEST(res.params.empty());
    }
}

BOOST_AUTO_TEST_CASE(options_on_a_known_path_lists_allow) {
    const router r(table);
    const auto m = r.match(method::options, "/api/v4/version");
    BOOST_TEST(m.matched == nullptr);
    BOOST_TEST(m.allow == "OPTIONS, GET, HEAD");
}

BOOST_AUTO_TEST_CASE(the_first_row_wins_for_ambiguous_paths) {
    const router r(table);
    const auto self = r.match(method::get, "/a/self");
    BOOST_TEST(self.matched == &table[0]);
    BOOST_TEST(self.params.empty());
    const route reversed[] = {
        plain_route(method::get, "/a/:id", dummy),
        plain_route(method::get, "/a/self", dummy),
    };
    const router rr(reversed);
    const auto m = rr.match(method::get, "/a/self");
    BOOST_TEST(m.matched == &reversed[0]);
    BOOST_TEST(param(m, "id") == "self");
}

BOOST_AUTO_TEST_CASE(a_match_after_a_partial_probe_keeps_only_its_own_params) {
    const route rows[] = {
        plain_route(method::post, "/x/:a/:b", dummy),
        plain_route(method::get, "/x/:c/:d", dummy),
    };
    const router r(rows);
    const auto m = r.match(method::get, "/x/1/2");
    BOOST_TEST(m.matched == &rows[1]);
    BOOST_TEST(m.allow.empty());
    BOOST_TEST(m.params.size() == 2u);
    BOOST_TEST(param(m, "c") == "1");
    BOOST_TEST(param(m, "d") == "2");
}

BOOST_AUTO_TEST_CASE(a_matched_row_exposes_its_handler) {
    const router r(table);
    const auto m = r.match(method::post, "/a/1/items");
    BOOST_REQUIRE(m.matched != nullptr);
    BOOST_TEST(m.matched->run == &other);
    BOOST_TEST((m.matched->scope == scope_need::read));
    BOOST_TEST((m.matched->body == body_kind::none));
}

BOOST_AUTO_TEST_CASE(duplicate_verb_and_pattern_is_refused) {
    const route dup[] = {plain_route(method::get, "/x/:id", dummy),
                         plain_route(method::get, "/x/:id", other)};
    BOOST_CHECK_THROW(router{dup}, std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(same_pattern_with_another_verb_is_not_a_duplicate) {
    const route rows[] = {plain_route(method::get, "/x/:id", dummy),
                          plain_route(method::delete_, "/x/:id", dummy)};
    BOOST_CHECK_NO_THROW(router{rows});
}

BOOST_AUTO_TEST_CASE(a_pattern_with_an_empty_segment_is_refused) {
    const route bad[] = {plain_route(method::get, "/x//y", dummy)};
    BOOST_CHECK_THROW(router{bad}, std::invalid_argument);
    const route trailing[] = {plain_route(method::get, "/x/", dummy)};
    BOOST_CHECK_THROW(router{trailing}, std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(real_route_table)

BOOST_AUTO_TEST_CASE(every_row_of_the_real_table_compiles) {
    std::unique_ptr<router> r;
    BOOST_REQUIRE_NO_THROW(r = std::make_unique<router>(all_routes()));
    BOOST_TEST(r->table().size() == all_routes().size());
    BOOST_TEST(!all_routes().empty());
    for (const auto& row : all_routes()) {
        BOOST_TEST_CONTEXT(method_name(row.verb) << " " << row.pattern) {
            BOOST_TEST(row.pattern.starts_with("/"));
            BOOST_TEST(row.run != nullptr);
            BOOST_TEST(((row.body == body_kind::stream) == (row.check != nullptr)));
            // A body is only ever taken by a write, or by a web page's form (signing in and out,
            // bounded by limits::web_form).
            const bool web = (row.flags & web_page) != 0;
            BOOST_TEST((row.body == body_kind::none || row.scope == scope_need::write ||
                        (web && row.body == body_kind::small)));
            // What :id names is resolved by routing::app, never looked up by a handler.
            const bool on_project = row.pattern.starts_with("/api/v4/projects/:id") ||
                                    (web && row.pattern.starts_with("/:id*/"));
            const bool on_group = row.pattern.starts_with("/api/v4/groups/:id") ||
                                  (web && row.pattern.starts_with("/groups/:id*/"));
            BOOST_TEST(((row.pre.on == subject::project) == on_project));
            BOOST_TEST(((row.pre.on == subject::group) == on_group));
            BOOST_TEST(row.pre.package == (row.pattern.find(":package_id") != std::string::npos));
        }
    }
}

BOOST_AUTO_TEST_CASE(real_paths_reach_their_rows) {
    const router r(all_routes());
    const auto del = r.match(method::delete_, "/api/v4/projects/1/members/2");
    BOOST_REQUIRE(del.matched != nullptr);
    BOOST_TEST(del.matched->pattern == "/api/v4/projects/:id/members/:user_id");
    BOOST_TEST(param(del, "id") == "1");
    BOOST_TEST(param(del, "user_id") == "2");

    const auto user = r.match(method::get, "/api/v4/user");
    BOOST_REQUIRE(user.matched != nullptr);
    BOOST_TEST(user.matched->pattern == "/api/v4/user");
    BOOST_TEST((user.matched->scope == scope_need::read_user));

    const auto group = r.match(method::get, "/api/v4/groups/a%2Fb");
    BOOST_REQUIRE(group.matched != nullptr);
    BOOST_TEST(group.matched->pattern == "/api/v4/groups/:id");
    BOOST_TEST(param(group, "id") == "a%2Fb");

    const auto head = r.match(method::head, "/api/v4/projects/g%2Fp/packages");
    BOOST_REQUIRE(head.matched != nullptr);
    BOOST_TEST(head.matched->pattern == "/api/v4/projects/:id/packages");
}

BOOST_AUTO_TEST_CASE(real_generic_package_routes_stream_uploads) {
    const router r(all_routes());
    const auto put = r.match(method::put, "/api/v4/projects/1/packages/generic/n/1.0/f");
    BOOST_REQUIRE(put.matched != nullptr);
    BOOST_TEST((put.matched->body == body_kind::stream));
    BOOST_TEST(put.matched->check != nullptr);
    BOOST_TEST(put.matched->pre.signed_in);
    BOOST_TEST((put.matched->pre.may & upload) != 0u);
    BOOST_TEST(param(put, "package_name") == "n");
    BOOST_TEST(param(put, "rest") == "1.0/f");
    const auto get = r.match(method::get, "/api/v4/projects/1/packages/generic/n/1.0/f");
    BOOST_REQUIRE(get.matched != nullptr);
    BOOST_TEST(get.matched != put.matched);
}

BOOST_AUTO_TEST_CASE(real_literal_rows_win_over_param_rows) {
    const router r(all_routes());
    const auto self = r.match(method::delete_, "/api/v4/personal_access_tokens/self");
    BOOST_REQUIRE(self.matched != nullptr);
    BOOST_TEST(self.matched->pattern == "/api/v4/personal_access_tokens/self");
    const auto by_id = r.match(method::delete_, "/api/v4/personal_access_tokens/12");
    BOOST_REQUIRE(by_id.matched != nullptr);
    BOOST_TEST(by_id.matched->pattern == "/api/v4/personal_access_tokens/:token_id");
}

BOOST_AUTO_TEST_CASE(real_table_answers_allow_and_unknown_paths) {
    const router r(all_routes());
    const auto user = r.match(method::post, "/api/v4/user");
    BOOST_TEST(user.matched == nullptr);
    BOOST_TEST(user.allow == "OPTIONS, GET, HEAD");
    const auto unknown = r.match(method::get, "/api/v4/nope");
    BOOST_TEST(unknown.matched == nullptr);
    BOOST_TEST(unknown.allow.empty());
    BOOST_TEST(r.match(method::get, "/api/v3/user").matched == nullptr);
    BOOST_TEST((r.match(method::get, "/api/v4/groups/1/packages").matched->flags &
                allow_job_token) == 0u); // GitLab takes no job token on the group list
}

// The router looks only at the rows that can take a path of its method and number of segments
// (router::candidates). Held against the plain definition over the real table: the first row, in
// table order, that matches the path on its own. Paths are made from every pattern: parameters
// filled in, rest parameters over one to three segments, with and without a trailing slash, one
// segment more and one less.
BOOST_AUTO_TEST_CASE(the_indexed_match_is_the_first_row_of_the_table_that_matches) {
    const auto rows = all_routes();
    const router whole(rows);
    std::vector<std::unique_ptr<router>> alone;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        alone.push_back(std::make_unique<router>(rows.subspan(i, 1)));
    }
    std::vector<std::string> paths;
    for (const auto& row : rows) {
        for (int rest_len = 1; rest_len <= 3; ++rest_len) {
            std::string path;
            std::string_view pattern = row.pattern;
            while (!pattern.empty()) {
                pattern.remove_prefix(1); // the slash
                const auto slash = pattern.find('/');
                const auto seg = pattern.substr(0, slash);
                pattern =
                    slash == std::string_view::npos ? std::string_view{} : pattern.substr(slash);
                path.push_back('/');
                if (seg.front() != ':') {
                    path.append(seg);
                } else if (seg.back() == '*') {
                    for (int k = 0; k < rest_len; ++k) {
                        path.append(k == 0 ? "x" : "/-");
                    }
                } else {
                    path.append("7");
                }
            }
            paths.push_back(path);
            paths.push_back(path + "/");
            paths.push_back(path + "/extra");
            paths.push_back(path.substr(0, path.rfind('/')));
        }
    }
    paths.emplace_back("/");
    paths.emplace_back("");
    paths.emplace_back(std::string(200, '/'));
    std::size_t matched = 0;
    for (const auto& path : paths) {
        for (method m : {method::get, method::head, method::post, method::put, method::patch,
                         method::delete_, method::options}) {
            const auto got = whole.match(m, path);
            const route* want = nullptr;
            route_match want_match;
            for (std::size_t i = 0; i < rows.size() && want == nullptr; ++i) {
                auto one = alone[i]->match(m, path);
                if (one.matched != nullptr) {
                    want = one.matched;
                    want_match = std::move(one);
                }
            }
            BOOST_TEST_INFO(method_name(m) << ' ' << path);
            BOOST_TEST(got.matched == want);
            if (want != nullptr && got.matched == want) {
                ++matched;
                BOOST_TEST((got.params == want_match.params));
            }
        }
    }
    BOOST_TEST(matched > rows.size()); // every row was reached by some path
}

BOOST_AUTO_TEST_SUITE_END()
