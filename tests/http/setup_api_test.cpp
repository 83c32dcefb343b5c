// The setup API (users, tokens, groups, projects, members) and authentication, through HTTP.

#include "tests/support/packyard_server.hpp"

#include <boost/test/unit_test.hpp>

using namespace packyard::testing;

BOOST_AUTO_TEST_SUITE(setup_api)

BOOST_FIXTURE_TEST_CASE(current_user_answers_root_with_each_token_transport, server_fixture) {
    for (const auto& h : {header_list{{"PRIVATE-TOKEN", root_token}},
                          header_list{{"Authorization", "Bearer " + root_token}}}) {
        auto r = http.get("/api/v4/user", h);
        BOOST_TEST(r.status == 200u);
        BOOST_TEST(r.header("content-type") == "application/json");
        auto j = r.json();
        BOOST_TEST(int_field(j, "id") == 1);
        BOOST_TEST(str_field(j, "username") == "root");
        BOOST_TEST(j["is_admin"].GetBool());
        BOOST_TEST(str_field(j, "web_url") ==
                   "http://127.0.0.1:" + std::to_string(server.port()) + "/root");
    }
    auto q = http.get("/api/v4/user?private_token=" + root_token);
    BOOST_TEST(q.status == 200u);
}

BOOST_FIXTURE_TEST_CASE(missing_or_unknown_token_gets_401_json, server_fixture) {
    auto none = http.get("/api/v4/user");
    BOOST_TEST(none.status == 401u);
    BOOST_TEST(none.body == R"({"message":"401 Unauthorized"})");
    auto bad = http.get("/api/v4/user", with_token("glpat-nope"));
    BOOST_TEST(bad.status == 401u);
    BOOST_TEST(bad.body == R"({"message":"401 Unauthorized"})");
}

BOOST_FIXTURE_TEST_CASE(bad_token_gets_401_even_for_an_unknown_project, server_fixture) {
    auto r = http.get("/api/v4/projects/999999", with_token("glpat-wrong"));
    BOOST_TEST(r.status == 401u);
    auto anon = http.get("/api/v4/projects/999999");
    BOOST_TEST(anon.status == 404u);
    BOOST_TEST(anon.body == R"({"message":"404 Project Not Found"})");
}

BOOST_FIXTURE_TEST_CASE(unknown_route_and_wrong_method_use_grape_bodies, server_fixture) {
    auto r = http.get("/api/v4/nope");
    BOOST_TEST(r.status == 404u);
    BOOST_TEST(r.body == R"({"error":"404 Not Found"})");
    auto m = http.request("PATCH", "/api/v4/user");
    BOOST_TEST(m.status == 405u);
    BOOST_TEST(m.body == R"({"error":"405 Not Allowed"})");
    BOOST_TEST(m.header("allow").find("GET") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(health_endpoints_answer, server_fixture) {
    auto h = http.get("/-/health");
    BOOST_TEST(h.status == 200u);
    BOOST_TEST(h.body == "packyard OK");
    BOOST_TEST(http.get("/-/liveness").body == R"({"status":"ok"})");
    BOOST_TEST(http.get("/-/readiness").body == R"({"status":"ok"})");
}

BOOST_FIXTURE_TEST_CASE(create_user_validates_and_refuses_duplicates, server_fixture) {
    auto missing = http.post_json("/api/v4/users", R"({"username":"x"})", as_root());
    BOOST_TEST(missing.status == 400u);
    BOOST_TEST(missing.body == R"({"error":"email is missing, name is missing"})");
    auto ok = http.post_json(
        "/api/v4/users",
        R"({"username":"alice","name":"Alice","email":"a@example.com","password":"secret123"})",
        as_root());
    BOOST_TEST(ok.status == 201u);
    BOOST_TEST(str_field(ok.json(), "username") == "alice");
    BOOST_TEST(str_field(ok.json(), "state") == "active");
    auto dup = http.post_json(
        "/api/v4/users", R"({"username":"ALICE","name":"A","email":"b@example.com"})", as_root());
    BOOST_TEST(dup.status == 409u);
    BOOST_TEST(dup.body == R"({"message":"Username has already been taken"})");
    auto dup_mail = http.post_json(
        "/api/v4/users", R"({"username":"bob","name":"B","email":"A@example.com"})", as_root());
    BOOST_TEST(dup_mail.status == 409u);
    BOOST_TEST(dup_mail.body == R"({"message":"Email has already been taken"})");
    auto form = http.request(
        "POST", "/api/v4/users", "username=carol&name=Carol&email=c%40example.com",
        {{"PRIVATE-TOKEN", root_token}, {"Content-Type", "application/x-www-form-urlencoded"}});
    BOOST_TEST(form.status == 201u);
    BOOST_TEST(http.get("/api/v4/users/999").body == R"({"message":"404 User Not Found"})");
}

BOOST_FIXTURE_TEST_CASE(non_admin_cannot_create_users_or_tokens, server_fixture) {
    auto [id, token] = create_user("dev");
    auto r = http.post_json("/api/v4/users", R"({"username":"x","name":"x","email":"x@x.io"})",
                            with_token(token));
    BOOST_TEST(r.status == 403u);
    BOOST_TEST(r.body == R"({"message":"403 Forbidden"})");
    auto t = http.post_json("/api/v4/users/1/personal_access_tokens",
                            R"({"name":"t","scopes":["api"]})", with_token(token));
    BOOST_TEST(t.status == 403u);
}

BOOST_FIXTURE_TEST_CASE(tokens_are_shown_once_work_and_can_be_revoked, server_fixture) {
    auto [id, token] = create_user("tok");
    BOOST_TEST(token.rfind("glpat-", 0) == 0u);
    auto self = http.get("/api/v4/personal_access_tokens/self", with_token(token));
    BOOST_TEST(self.status == 200u);
    BOOST_TEST(!self.json().HasMember("token"));
    BOOST_TEST(self.json()["active"].GetBool());
    BOOST_TEST(http.get("/api/v4/user", with_token(token)).status == 200u);
    auto del = http.del("/api/v4/personal_access_tokens/self", with_token(token));
    BOOST_TEST(del.status == 204u);
    auto after = http.get("/api/v4/user", with_token(token));
    BOOST_TEST(after.status == 401u);
    BOOST_TEST(
        after.body ==
        R"({"error":"invalid_token","error_description":"Token was revoked. You have to re-authorize from the user."})");
}

BOOST_FIXTURE_TEST_CASE(expired_and_read_only_tokens_are_limited, server_fixture) {
    auto old =
        http.post_json("/api/v4/users/1/personal_access_tokens",
                       R"({"name":"old","scopes":["api"],"expires_at":"2020-01-01"})", as_root());
    BOOST_TEST(old.status == 201u);
    auto r = http.get("/api/v4/user", with_token(str_field(old.json(), "token")));
    BOOST_TEST(r.status == 401u);
    BOOST_TEST(
        r.body ==
        R"({"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."})");
    auto ro = http.post_json("/api/v4/users/1/personal_access_tokens",
                             R"({"name":"ro","scopes":["read_api"]})", as_root());
    const auto ro_token = str_field(ro.json(), "token");
    BOOST_TEST(http.get("/api/v4/groups", with_token(ro_token)).status == 200u);
    auto w = http.post_json("/api/v4/groups", R"({"name":"g","path":"g"})", with_token(ro_token));
    BOOST_TEST(w.status == 403u);
    BOOST_TEST(str_field(w.json(), "error") == "insufficient_scope");
    auto bad = http.post_json("/api/v4/users/1/personal_access_tokens",
                              R"({"name":"x","scopes":["everything"]})", as_root());
    BOOST_TEST(bad.status == 400u);
    BOOST_TEST(bad.body == R"({"error":"scopes does not have a valid value"})");
}

BOOST_FIXTURE_TEST_CASE(groups_nest_and_resolve_by_id_or_encoded_path, server_fixture) {
    const auto top = create_group("top", "public");
    const auto sub = create_group("sub", "public", top);
    auto r = http.get("/api/v4/groups/top%2Fsub");
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(int_field(r.json(), "id") == static_cast<std::int64_t>(sub));
    BOOST_TEST(str_field(r.json(), "full_path") == "top/sub");
    BOOST_TEST(int_field(r.json(), "parent_id") == static_cast<std::int64_t>(top));
    auto dup = http.post_json("/api/v4/groups", R"({"name":"top","path":"TOP"})", as_root());
    BOOST_TEST(dup.status == 400u);
    BOOST_TEST(http.get("/api/v4/groups/nope").body == R"({"message":"404 Group Not Found"})");
    auto busy = http.del("/api/v4/groups/" + std::to_string(top), as_root());
    BOOST_TEST(busy.status == 400u);
    BOOST_TEST(http.del("/api/v4/groups/" + std::to_string(sub), as_root()).status == 202u);
    BOOST_TEST(http.get("/api/v4/groups/" + std::to_string(sub)).status == 404u);
}

BOOST_FIXTURE_TEST_CASE(projects_live_in_groups_or_personal_namespaces, server_fixture) {
    const auto g = create_group("team", "private");
    auto too_public = http.post_json("/api/v4/projects",
                                     R"({"name":"p","namespace_id":)" + std::to_string(g) +
                                         R"(,"visibility":"public"})",
                                     as_root());
    BOOST_TEST(too_public.status == 400u);
    const auto p = create_project("app", g, "private");
    auto r = http.get("/api/v4/projects/team%2Fapp", as_root());
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(int_field(r.json(), "id") == static_cast<std::int64_t>(p));
    BOOST_TEST(str_field(r.json(), "path_with_namespace") == "team/app");
    BOOST_TEST(str_field(r.json()["namespace"], "kind") == "group");
    auto personal = http.post_json("/api/v4/projects", R"({"name":"Mine"})", as_root());
    BOOST_TEST(personal.status == 201u);
    BOOST_TEST(str_field(personal.json(), "path_with_namespace") == "root/mine");
    auto dup = http.post_json("/api/v4/projects", R"({"name":"Mine"})", as_root());
    BOOST_TEST(dup.status == 400u);
    BOOST_TEST(http.del("/api/v4/projects/" + std::to_string(p), as_root()).status == 202u);
    BOOST_TEST(http.get("/api/v4/projects/" + std::to_string(p), as_root()).status == 404u);
}

BOOST_FIXTURE_TEST_CASE(visibility_matrix_for_projects, server_fixture) {
    const auto pub = create_group("pub", "public");
    const auto pp = create_project("p", pub, "public");
    const auto ip = create_project("i", pub, "internal");
    const auto xp = create_project("x", pub, "private");
    auto [uid, token] = create_user("someone");
    auto [gid, guest] = create_user("guest");
    add_member("projects", xp, gid, 10);
    auto status = [&](std::uint64_t id, const header_list& h) {
        return http.get("/api/v4/projects/" + std::to_string(id), h).status;
    };
    BOOST_TEST(status(pp, {}) == 200u);
    BOOST_TEST(status(ip, {}) == 404u);
    BOOST_TEST(status(xp, {}) == 404u);
    BOOST_TEST(status(pp, with_token(token)) == 200u);
    BOOST_TEST(status(ip, with_token(token)) == 200u);
    BOOST_TEST(status(xp, with_token(token)) == 404u);
    BOOST_TEST(status(xp, with_token(guest)) == 200u);
    BOOST_TEST(status(xp, as_root()) == 200u);
}

BOOST_FIXTURE_TEST_CASE(group_membership_is_inherited_by_subgroup_projects, server_fixture) {
    const auto top = create_group("corp", "private");
    const auto sub = create_group("dept", "private", top);
    const auto p = create_project("svc", sub, "private");
    auto [uid, token] = create_user("rep");
    BOOST_TEST(http.get("/api/v4/projects/" + std::to_string(p), with_token(token)).status == 404u);
    add_member("groups", top, uid, 20);
    BOOST_TEST(http.get("/api/v4/projects/" + std::to_string(p), with_token(token)).status == 200u);
    // A Reporter may not manage members.
    auto add = http.post_json("/api/v4/projects/" + std::to_string(p) + "/members",
                              R"({"user_id":1,"access_level":30})", with_token(token));
    BOOST_TEST(add.status == 403u);
}

BOOST_FIXTURE_TEST_CASE(members_are_added_listed_and_removed, server_fixture) {
    const auto g = create_group("m", "public");
    const auto p = create_project("p", g, "public");
    auto [uid, token] = create_user("member");
    const std::string base = "/api/v4/projects/" + std::to_string(p) + "/members";
    auto add = http.post_json(
        base, R"({"user_id":)" + std::to_string(uid) + R"(,"access_level":30})", as_root());
    BOOST_TEST(add.status == 201u);
    BOOST_TEST(int_field(add.json(), "access_level") == 30);
    auto again = http.post_json(
        base, R"({"user_id":)" + std::to_string(uid) + R"(,"access_level":30})", as_root());
    BOOST_TEST(again.status == 409u);
    BOOST_TEST(again.body == R"({"message":"Member already exists"})");
    auto bad = http.post_json(
        base, R"({"user_id":)" + std::to_string(uid) + R"(,"access_level":35})", as_root());
    BOOST_TEST(bad.status == 400u);
    BOOST_TEST(bad.body == R"({"error":"access_level does not have a valid value"})");
    auto list = http.get(base, as_root());
    BOOST_TEST(list.json().Size() == 1u);
    BOOST_TEST(http.del(base + "/" + std::to_string(uid), as_root()).status == 204u);
    auto gone = http.del(base + "/" + std::to_string(uid), as_root());
    BOOST_TEST(gone.status == 404u);
    BOOST_TEST(gone.body == R"({"message":"404 Member Not Found"})");
}

BOOST_AUTO_TEST_SUITE_END()
