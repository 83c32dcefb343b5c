// GitLab's Packages API: project and group package lists, one package, its files, deletes.

#include "tests/support/packyard_server.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <thread>

using namespace packyard::testing;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> names_of(const http_response& r) {
    std::vector<std::string> out;
    auto j = r.json();
    if (!j.IsArray()) {
        return out;
    }
    for (const auto& e : j.GetArray()) {
        out.push_back(str_field(e, "name") + "@" +
                      (e["version"].IsString() ? std::string(e["version"].GetString()) : "null"));
    }
    return out;
}

/// A public group with a public project holding three packages uploaded in this order:
/// zzz@3.1.0, alpha@2.0.4, beta@1.1.1.
struct packages_fixture : server_fixture {
    packages_fixture() {
        group = create_group("grp", "public");
        project = create_project("proj", group, "public");
        BOOST_REQUIRE(upload(project, "zzz", "3.1.0", "z.bin", "zzz") == 201u);
        std::this_thread::sleep_for(5ms);
        BOOST_REQUIRE(upload(project, "alpha", "2.0.4", "a.bin", "alpha") == 201u);
        std::this_thread::sleep_for(5ms);
        BOOST_REQUIRE(upload(project, "beta", "1.1.1", "b.bin", "beta") == 201u);
        base = "/api/v4/projects/" + std::to_string(project) + "/packages";
    }
    std::uint64_t group = 0;
    std::uint64_t project = 0;
    std::string base;
};

} // namespace

BOOST_AUTO_TEST_SUITE(packages_api)

BOOST_FIXTURE_TEST_CASE(project_list_defaults_to_created_at_ascending_with_all_headers,
                        packages_fixture) {
    auto r = http.get(base);
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.header("content-type") == "application/json");
    const std::vector<std::string> want = {"zzz@3.1.0", "alpha@2.0.4", "beta@1.1.1"};
    BOOST_TEST(names_of(r) == want, boost::test_tools::per_element());
    BOOST_TEST(r.header("x-total") == "3");
    BOOST_TEST(r.header("x-total-pages") == "1");
    BOOST_TEST(r.header("x-page") == "1");
    BOOST_TEST(r.header("x-per-page") == "20");
    BOOST_TEST(r.has_header("x-next-page"));
    BOOST_TEST(r.header("x-next-page").empty());
    const auto link = r.header("link");
    BOOST_TEST(link.find("rel=\"first\"") != std::string::npos);
    BOOST_TEST(link.find("rel=\"last\"") != std::string::npos);
    BOOST_TEST(link.find("order_by=created_at&page=1&per_page=20&sort=asc") != std::string::npos);
    const auto doc = r.json();
    const auto& first = doc[0];
    BOOST_TEST(str_field(first, "package_type") == "generic");
    BOOST_TEST(str_field(first, "status") == "default");
    BOOST_TEST(first["_links"].HasMember("web_path"));
    BOOST_TEST(!first["_links"].HasMember("delete_api_path")); // anonymous cannot delete
    BOOST_TEST(!first.HasMember("project_id"));
    BOOST_TEST(first["tags"].IsArray());
    BOOST_TEST(!first.HasMember("pipeline"));
}

BOOST_FIXTURE_TEST_CASE(project_list_sorts_by_each_order_both_ways, packages_fixture) {
    auto names = [&](const std::string& q) { return names_of(http.get(base + "?" + q)); };
    const std::vector<std::string> by_name = {"alpha@2.0.4", "beta@1.1.1", "zzz@3.1.0"};
    BOOST_TEST(names("order_by=name") == by_name, boost::test_tools::per_element());
    const std::vector<std::string> by_version_desc = {"zzz@3.1.0", "alpha@2.0.4", "beta@1.1.1"};
    BOOST_TEST(names("order_by=version&sort=desc") == by_version_desc,
               boost::test_tools::per_element());
    const std::vector<std::string> by_created_desc = {"beta@1.1.1", "alpha@2.0.4", "zzz@3.1.0"};
    BOOST_TEST(names("sort=desc") == by_created_desc, boost::test_tools::per_element());
    const std::vector<std::string> by_type = {"zzz@3.1.0", "alpha@2.0.4", "beta@1.1.1"};
    BOOST_TEST(names("order_by=type") == by_type, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(project_list_paginates_like_kaminari, packages_fixture) {
    auto p1 = http.get(base + "?per_page=2");
    BOOST_TEST(names_of(p1).size() == 2u);
    BOOST_TEST(p1.header("x-next-page") == "2");
    BOOST_TEST(p1.header("x-total-pages") == "2");
    auto p2 = http.get(base + "?per_page=2&page=2");
    BOOST_TEST(names_of(p2) == std::vector<std::string>{"beta@1.1.1"},
               boost::test_tools::per_element());
    BOOST_TEST(p2.header("x-prev-page") == "1");
    BOOST_TEST(p2.header("x-next-page").empty());
    auto far = http.get(base + "?per_page=2&page=5");
    BOOST_TEST(far.body == "[]");
    BOOST_TEST(far.header("x-page") == "5");
    BOOST_TEST(far.header("x-prev-page").empty());
    BOOST_TEST(http.get(base + "?per_page=500").header("x-per-page") == "100");
    auto zero = http.get(base + "?per_page=0");
    BOOST_TEST(zero.status == 400u);
    BOOST_TEST(zero.body == R"({"error":"per_page has a value not allowed"})");
}

BOOST_FIXTURE_TEST_CASE(project_list_filters_by_name_version_type_and_status, packages_fixture) {
    BOOST_TEST(names_of(http.get(base + "?package_name=ALP")) ==
                   std::vector<std::string>{"alpha@2.0.4"},
               boost::test_tools::per_element());
    BOOST_TEST(names_of(http.get(base + "?package_name=a%20l")) ==
                   std::vector<std::string>{"alpha@2.0.4"},
               boost::test_tools::per_element());
    BOOST_TEST(names_of(http.get(base + "?package_version=1.1.1")) ==
                   std::vector<std::string>{"beta@1.1.1"},
               boost::test_tools::per_element());
    BOOST_TEST(http.get(base + "?package_type=npm").body == "[]");
    BOOST_TEST(names_of(http.get(base + "?package_type=generic")).size() == 3u);
    auto bad = http.get(base + "?package_type=foo&order_by=nope");
    BOOST_TEST(bad.status == 400u);
    BOOST_TEST(
        bad.body ==
        R"({"error":"order_by does not have a valid value, package_type does not have a valid value"})");
    BOOST_TEST(http.get(base + "?status=invalid").status == 400u);
    BOOST_TEST(http.get(base + "?include_versionless=maybe").body ==
               R"({"error":"include_versionless is invalid"})");
    // A hidden upload is listed only with status=hidden.
    BOOST_TEST(http.put(base + "/generic/secret/1.0/s.bin?status=hidden", "s", as_root()).status ==
               201u);
    BOOST_TEST(names_of(http.get(base)).size() == 3u);
    BOOST_TEST(names_of(http.get(base + "?status=hidden")) ==
                   std::vector<std::string>{"secret@1.0"},
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(private_project_packages_need_membership, packages_fixture) {
    const auto priv = create_project("hidden", group, "private");
    BOOST_TEST(upload(priv, "p", "1.0", "p.bin", "p") == 201u);
    const std::string pb = "/api/v4/projects/" + std::to_string(priv) + "/packages";
    BOOST_TEST(http.get(pb).body == R"({"message":"404 Project Not Found"})");
    auto [uid, token] = create_user("outsider");
    BOOST_TEST(http.get(pb, with_token(token)).status == 404u);
    add_member("projects", priv, uid, 10);
    auto guest = http.get(pb, with_token(token));
    BOOST_TEST(guest.status == 200u);
    BOOST_TEST(!guest.json()[0]["_links"].HasMember("delete_api_path"));
    auto maint = http.get(pb, as_root());
    BOOST_TEST(str_field(maint.json()[0]["_links"], "delete_api_path") ==
               "http://127.0.0.1:" + std::to_string(server.port()) + "/api/v4/projects/" +
                   std::to_string(priv) + "/packages/" +
                   std::to_string(int_field(maint.json()[0], "id")));
    // Lookup and authorization run before parameter validation.
    BOOST_TEST(http.get(pb + "?order_by=nope").status == 404u);
}

BOOST_FIXTURE_TEST_CASE(group_list_covers_subgroups_and_orders_by_project_path, packages_fixture) {
    const auto sub = create_group("sub", "public", group);
    const auto other = create_project("another", sub, "public");
    BOOST_TEST(upload(other, "deep", "0.1", "d.bin", "d") == 201u);
    const std::string gb = "/api/v4/groups/" + std::to_string(group) + "/packages";
    auto all = http.get(gb);
    BOOST_TEST(all.status == 200u);
    BOOST_TEST(names_of(all).size() == 4u);
    BOOST_TEST(all.header("x-total") == "4");
    const auto doc = all.json();
    const auto& first = doc[0];
    BOOST_TEST(int_field(first, "project_id") == static_cast<std::int64_t>(project));
    BOOST_TEST(str_field(first, "project_path") == "grp/proj");
    BOOST_TEST(names_of(http.get(gb + "?exclude_subgroups=true")).size() == 3u);
    // project_path: the project's own path, ties by id DESC in both directions.
    const std::vector<std::string> asc = {"deep@0.1", "beta@1.1.1", "alpha@2.0.4", "zzz@3.1.0"};
    BOOST_TEST(names_of(http.get(gb + "?order_by=project_path")) == asc,
               boost::test_tools::per_element());
    const std::vector<std::string> desc = {"beta@1.1.1", "alpha@2.0.4", "zzz@3.1.0", "deep@0.1"};
    BOOST_TEST(names_of(http.get(gb + "?order_by=project_path&sort=desc")) == desc,
               boost::test_tools::per_element());
    BOOST_TEST(http.get("/api/v4/groups/999/packages").body ==
               R"({"message":"404 Group Not Found"})");
    BOOST_TEST(
        http.get("/api/v4/projects/" + std::to_string(project) + "/packages?order_by=project_path")
            .status == 400u);
}

BOOST_FIXTURE_TEST_CASE(group_list_hides_private_projects_from_outsiders, packages_fixture) {
    const auto priv = create_project("closed", group, "private");
    BOOST_TEST(upload(priv, "inside", "1.0", "i.bin", "i") == 201u);
    const std::string gb = "/api/v4/groups/" + std::to_string(group) + "/packages";
    auto anon = http.get(gb);
    BOOST_TEST(names_of(anon).size() == 3u);
    BOOST_TEST(anon.header("x-total") == "3");
    auto admin = http.get(gb, as_root());
    BOOST_TEST(names_of(admin).size() == 4u);
    BOOST_TEST(admin.header("x-total") == "4");
    // A job token is not accepted on the group list: it is ignored, the caller is anonymous.
    BOOST_TEST(names_of(http.get(gb, {{"JOB-TOKEN", "glcbt-whatever"}})).size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(group_list_reflects_a_new_membership_at_once, packages_fixture) {
    const auto priv = create_project("closed", group, "private");
    BOOST_TEST(upload(priv, "inside", "1.0", "i.bin", "i") == 201u);
    auto [uid, token] = create_user("joiner");
    const std::string gb = "/api/v4/groups/" + std::to_string(group) + "/packages";
    // Asked twice so that a cached audience is in place on either I/O thread.
    BOOST_TEST(names_of(http.get(gb, with_token(token))).size() == 3u);
    BOOST_TEST(names_of(http.get(gb, with_token(token))).size() == 3u);
    add_member("projects", priv, uid, 10);
    auto after = http.get(gb, with_token(token));
    BOOST_TEST(names_of(after).size() == 4u);
    BOOST_TEST(after.header("x-total") == "4");
}

BOOST_FIXTURE_TEST_CASE(filtered_totals_follow_every_write, packages_fixture) {
    // Totals that only a count gives are kept until the list changes: each request is asked
    // twice (either I/O thread), then a write must show in the next answer.
    const auto priv = create_project("closed", group, "private");
    BOOST_TEST(upload(priv, "alpha-inside", "2.0.4", "i.bin", "i") == 201u);
    auto [uid, token] = create_user("member");
    add_member("projects", priv, uid, 10);
    const std::string gb = "/api/v4/groups/" + std::to_string(group) + "/packages";
    struct ask {
        std::string url;
        bool member;
    };
    const ask asks[] = {{base + "?package_name=alp", false},
                        {base + "?package_version=2.0.4", false},
                        {gb + "?package_name=alp", false},
                        {gb + "?package_version=2.0.4&package_type=generic", false},
                        {gb + "?package_type=generic", true},   // some private projects
                        {gb + "?exclude_subgroups=true", true}, // the group's own projects
                        {gb + "?package_type=generic&status=default", false}};
    auto totals = [&] {
        std::vector<std::string> out;
        for (const auto& a : asks) {
            const auto r = a.member ? http.get(a.url, with_token(token)) : http.get(a.url);
            BOOST_TEST(r.status == 200u);
            out.push_back(r.header("x-total"));
        }
        return out;
    };
    const std::vector<std::string> before = {"1", "1", "1", "1", "4", "4", "3"};
    BOOST_TEST(totals() == before, boost::test_tools::per_element());
    BOOST_TEST(totals() == before, boost::test_tools::per_element());
    BOOST_TEST(upload(project, "alpha-two", "2.0.4", "t.bin", "t") == 201u);
    const std::vector<std::string> after = {"2", "2", "2", "2", "5", "5", "4"};
    BOOST_TEST(totals() == after, boost::test_tools::per_element());
    BOOST_TEST(totals() == after, boost::test_tools::per_element());
    // A delete takes the package out of every total at once.
    const auto id = int_field(http.get(base + "?package_name=alpha-two").json()[0], "id");
    BOOST_TEST(http.del(base + "/" + std::to_string(id), as_root()).status == 204u);
    BOOST_TEST(totals() == before, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(list_pages_follow_downloads_roles_and_deletes, packages_fixture) {
    // List answers are kept by generation: each is asked twice (either I/O thread holds one),
    // then every kind of write must show in the next answer.
    const std::string gb = "/api/v4/groups/" + std::to_string(group) + "/packages";
    auto [uid, token] = create_user("dev");
    add_member("projects", project, uid, 30);
    auto both = [&](const std::string& url, const header_list& h = {}) {
        const auto a = http.get(url, h);
        const auto b = http.get(url, h);
        BOOST_TEST(a.body == b.body);
        BOOST_TEST(a.header("x-total") == b.header("x-total"));
        return b;
    };
    for (const auto& url : {base, gb}) {
        BOOST_TEST(both(url).body.find("\"last_downloaded_at\":null") != std::string::npos);
        BOOST_TEST(both(url, with_token(token)).body.find("delete_api_path") == std::string::npos);
    }
    // A download records its time (after the answer, through the writer).
    BOOST_TEST(http.get("/api/v4/projects/" + std::to_string(project) +
                        "/packages/generic/alpha/2.0.4/a.bin")
                   .status == 200u);
    for (const auto& url : {base, gb}) {
        bool seen = false;
        for (int i = 0; i < 100 && !seen; ++i) {
            const auto body = http.get(url).body;
            seen = body.find("\"last_downloaded_at\":\"") != std::string::npos;
            if (!seen) {
                std::this_thread::sleep_for(20ms);
            }
        }
        BOOST_TEST(seen);
        BOOST_TEST(both(url).body == http.get(url).body);
    }
    // A new role shows at once: Maintainers see delete links.
    BOOST_REQUIRE(http.request("PUT",
                               "/api/v4/projects/" + std::to_string(project) + "/members/" +
                                   std::to_string(uid) + "?access_level=40",
                               {}, as_root())
                      .status == 200u);
    for (const auto& url : {base, gb}) {
        BOOST_TEST(both(url, with_token(token)).body.find("delete_api_path") != std::string::npos);
    }
    // A delete takes the package out of both lists and their totals.
    const auto id = int_field(http.get(base + "?package_name=beta").json()[0], "id");
    BOOST_TEST(http.del(base + "/" + std::to_string(id), as_root()).status == 204u);
    for (const auto& url : {base, gb}) {
        const auto r = both(url);
        BOOST_TEST(names_of(r).size() == 2u);
        BOOST_TEST(r.header("x-total") == "2");
    }
}

BOOST_FIXTURE_TEST_CASE(a_kept_list_answer_is_only_for_its_caller, packages_fixture) {
    // A kept answer is looked for before the project is resolved and the caller's rights are
    // checked (routing/list_pages.hpp): it must never reach a caller who may not see it.
    const auto priv = create_project("closed", group, "private");
    BOOST_TEST(upload(priv, "inside", "1.0", "i.bin", "i") == 201u);
    auto [uid, token] = create_user("member");
    auto [other_uid, other_token] = create_user("outsider");
    (void)other_uid;
    add_member("projects", priv, uid, 20);
    const std::string pb = "/api/v4/projects/" + std::to_string(priv) + "/packages";
    for (int i = 0; i < 4; ++i) { // kept on either I/O thread
        BOOST_TEST(names_of(http.get(pb, with_token(token))).size() == 1u);
    }
    BOOST_TEST(http.get(pb).status == 404u);
    BOOST_TEST(http.get(pb, with_token(other_token)).status == 404u);
    BOOST_TEST(http.get(pb, {{"PRIVATE-TOKEN", "glpat-not-a-token"}}).status == 401u);
    // A token of the same user without an API scope is refused by its scope.
    const auto made =
        http.request("POST", "/api/v4/users/" + std::to_string(uid) + "/personal_access_tokens",
                     R"({"name":"narrow","scopes":["read_user"]})", [] {
                         auto h = as_root();
                         h.emplace_back("Content-Type", "application/json");
                         return h;
                     }());
    BOOST_REQUIRE(made.status == 201u);
    const auto narrow = str_field(made.json(), "token");
    BOOST_TEST(http.get(pb, with_token(narrow)).status == 403u);
    // Membership ends: the kept answer ends with it.
    BOOST_REQUIRE(
        http.request("DELETE",
                     "/api/v4/projects/" + std::to_string(priv) + "/members/" + std::to_string(uid),
                     {}, as_root())
            .status == 204u);
    for (int i = 0; i < 4; ++i) {
        BOOST_TEST(http.get(pb, with_token(token)).status == 404u);
    }
}

BOOST_FIXTURE_TEST_CASE(single_package_shows_other_versions_and_404_texts, packages_fixture) {
    BOOST_TEST(upload(project, "alpha", "2.1.0", "a.bin", "alpha2") == 201u);
    auto list = http.get(base + "?package_name=alpha&order_by=version");
    const auto id = int_field(list.json()[0], "id");
    auto r = http.get(base + "/" + std::to_string(id));
    BOOST_TEST(r.status == 200u);
    const auto doc = r.json();
    const auto& versions = doc["versions"];
    BOOST_REQUIRE(versions.IsArray());
    BOOST_TEST(versions.Size() == 1u);
    BOOST_TEST(str_field(versions[0], "version") == "2.1.0");
    BOOST_TEST(http.get(base + "/999999").body == R"({"message":"404 Not found"})");
    BOOST_TEST(http.get(base + "/abc").body == R"({"error":"package_id is invalid"})");
}

BOOST_FIXTURE_TEST_CASE(package_files_list_orders_and_hides_pending_files, packages_fixture) {
    BOOST_TEST(upload(project, "multi", "1.0", "b.txt", "b") == 201u);
    BOOST_TEST(upload(project, "multi", "1.0", "a.txt", "aa") == 201u);
    BOOST_TEST(upload(project, "multi", "1.0", "c.txt", "ccc") == 201u);
    const auto id = int_field(http.get(base + "?package_name=multi").json()[0], "id");
    const std::string fb = base + "/" + std::to_string(id) + "/package_files";
    auto files = http.get(fb + "?order_by=file_name&sort=desc");
    BOOST_TEST(files.status == 200u);
    BOOST_REQUIRE(files.json().Size() == 3u);
    BOOST_TEST(str_field(files.json()[0], "file_name") == "c.txt");
    BOOST_TEST(int_field(files.json()[0], "size") == 3);
    BOOST_TEST(str_field(files.json()[0], "file_sha256") ==
               "64daa44ad493ff28a96effab6e77f1732a3d97d83241581b37dbd70a7a4900fe");
    BOOST_TEST(str_field(files.json()[0], "file_md5") == "9df62e693988eb4e1e1444ece0578579");
    const auto file_id = int_field(files.json()[0], "id");
    // Developers may not delete; maintainers may.
    auto [uid, token] = create_user("dev");
    add_member("projects", project, uid, 30);
    BOOST_TEST(http.del(fb + "/" + std::to_string(file_id), with_token(token)).status == 403u);
    BOOST_TEST(http.del(fb + "/" + std::to_string(file_id), as_root()).status == 204u);
    BOOST_TEST(http.del(fb + "/" + std::to_string(file_id), as_root()).body ==
               R"({"message":"404 Not Found"})");
    BOOST_TEST(http.get(fb).json().Size() == 2u);
    auto dl = http.get(fb + "/" + std::to_string(int_field(files.json()[1], "id")) + "/download");
    BOOST_TEST(dl.status == 200u);
    BOOST_TEST(dl.body == "b");
    BOOST_TEST(dl.header("content-type") == "application/octet-stream");
}

BOOST_FIXTURE_TEST_CASE(delete_marks_pending_then_cleanup_removes_the_package, packages_fixture) {
    const auto id = int_field(http.get(base + "?package_name=beta").json()[0], "id");
    const std::string pb = base + "/" + std::to_string(id);
    BOOST_TEST(http.del(pb).status == 403u); // anonymous on a public project
    auto [uid, token] = create_user("dev");
    add_member("projects", project, uid, 30);
    BOOST_TEST(http.del(pb, with_token(token)).status == 403u);
    BOOST_TEST(http.del(pb, {{"PRIVATE-TOKEN", root_token},
                             {"If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"}})
                   .body == R"({"message":"412 Precondition Failed"})");
    auto ok = http.del(pb, as_root());
    BOOST_TEST(ok.status == 204u);
    BOOST_TEST(ok.body.empty());
    BOOST_TEST(names_of(http.get(base)).size() == 2u);
    BOOST_TEST(http.get(pb).status == 404u);
    BOOST_TEST(http.del(pb, as_root()).status == 404u);
    // Re-uploading the same name and version makes a new package while the old one goes.
    BOOST_TEST(upload(project, "beta", "1.1.1", "b.bin", "beta") == 201u);
    bool gone = false;
    for (int i = 0; i < 50 && !gone; ++i) {
        std::this_thread::sleep_for(100ms);
        gone = http.get(base + "?status=pending_destruction").body == "[]";
    }
    BOOST_TEST(gone);
    BOOST_TEST(names_of(http.get(base)).size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(deleting_a_project_removes_its_packages_and_blobs, packages_fixture) {
    const auto blobs = dir.path() / "data" / "blobs";
    auto count = [&] {
        return std::distance(std::filesystem::directory_iterator(blobs),
                             std::filesystem::directory_iterator{});
    };
    BOOST_TEST(count() == 3);
    BOOST_TEST(http.del("/api/v4/projects/" + std::to_string(project), as_root()).status == 202u);
    BOOST_TEST(count() == 0);
    BOOST_TEST(http.get("/api/v4/groups/" + std::to_string(group) + "/packages").body == "[]");
}

BOOST_AUTO_TEST_SUITE_END()
