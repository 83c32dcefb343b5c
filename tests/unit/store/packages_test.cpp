#include "store/gc.hpp"
#include "store/identity.hpp"
#include "store/packages.hpp"
#include "temp_env.hpp"

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

using namespace packyard::store;

namespace {

struct fixture : testing::temp_env {
    fixture() {
        auto t = write_txn::begin(*env);
        user u;
        u.username = "root";
        u.email = "r@x.io";
        BOOST_REQUIRE(!create_user(*t, u));
        namespace_row g;
        g.name = g.path = "g";
        g.vis = visibility::public_;
        BOOST_REQUIRE(!create_group(*t, g));
        namespace_row sub;
        sub.name = sub.path = "sub";
        sub.parent_id = g.id;
        BOOST_REQUIRE(!create_group(*t, sub));
        group = g.id;
        subgroup = sub.id;
        for (const char* path : {"b-project", "a-project"}) {
            project p;
            p.name = p.path = path;
            p.namespace_id = sub.id;
            p.vis = visibility::public_;
            BOOST_REQUIRE(!create_project(*t, p));
            projects.push_back(p.id);
        }
        BOOST_REQUIRE(!t->commit());
    }
    package add(std::uint64_t project_id, std::string name, std::optional<std::string> version,
                package_type type = package_type::generic, std::int64_t created = 0) {
        auto t = write_txn::begin(*env);
        auto place = place_of(*t, project_id);
        package p;
        p.name = std::move(name);
        p.version = std::move(version);
        p.type = type;
        p.created_at = created != 0 ? created : ++clock;
        BOOST_REQUIRE(!create_package(*t, p, *place));
        BOOST_REQUIRE(!t->commit());
        return p;
    }
    std::vector<std::string> names(const list_query& q) {
        auto t = read_txn::begin(*env);
        std::vector<std::string> out;
        for (const auto& p : list_packages(*t, q).rows) {
            out.push_back(p.name);
        }
        return out;
    }
    std::uint64_t group = 0;
    std::uint64_t subgroup = 0;
    std::vector<std::uint64_t> projects;
    std::int64_t clock = 1000;
};

} // namespace

BOOST_AUTO_TEST_SUITE(packages)

BOOST_FIXTURE_TEST_CASE(project_list_walks_each_order_in_both_directions, fixture) {
    add(projects[0], "zzz", "3.1.0");
    add(projects[0], "alpha", "2.0.4", package_type::npm);
    add(projects[0], "beta", std::nullopt, package_type::maven);
    list_query q;
    q.scope_id = projects[0];
    BOOST_TEST(names(q) == (std::vector<std::string>{"zzz", "alpha"}),
               boost::test_tools::per_element());
    q.filter.include_versionless = true;
    q.order = list_order::version;
    BOOST_TEST(names(q) == (std::vector<std::string>{"alpha", "zzz", "beta"}),
               boost::test_tools::per_element());
    q.desc = true; // NULL versions first when descending
    BOOST_TEST(names(q) == (std::vector<std::string>{"beta", "zzz", "alpha"}),
               boost::test_tools::per_element());
    q.order = list_order::type;
    q.desc = false; // maven(1) < npm(2) < generic(7)
    BOOST_TEST(names(q) == (std::vector<std::string>{"beta", "alpha", "zzz"}),
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(group_scope_covers_ancestors_and_project_path_ties_by_id_desc, fixture) {
    add(projects[0], "p1", "1");
    add(projects[0], "p2", "1");
    add(projects[1], "p3", "1");
    list_query q;
    q.scope = list_scope::group;
    q.scope_id = group;
    q.order = list_order::project_path;
    // a-project < b-project; inside b-project ids descend.
    BOOST_TEST(names(q) == (std::vector<std::string>{"p3", "p2", "p1"}),
               boost::test_tools::per_element());
    q.desc = true;
    BOOST_TEST(names(q) == (std::vector<std::string>{"p2", "p1", "p3"}),
               boost::test_tools::per_element());
    q.scope_id = subgroup;
    q.desc = false;
    BOOST_TEST(names(q).size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(counters_follow_status_changes_and_deletion, fixture) {
    auto p = add(projects[0], "keep", "1.0");
    add(projects[0], "tf", "1.0", package_type::terraform_module);
    add(projects[0], "versionless", std::nullopt, package_type::maven);
    {
        auto t0 = read_txn::begin(*env);
        BOOST_TEST(default_count(*t0, list_scope::project, projects[0]) == 1u);
        BOOST_TEST(default_count(*t0, list_scope::group, group) == 1u);
    }
    {
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(!mark_package_for_destruction(*t, p));
        BOOST_REQUIRE(!t->commit());
    }
    auto t1 = read_txn::begin(*env);
    BOOST_TEST(default_count(*t1, list_scope::project, projects[0]) == 0u);
    BOOST_TEST(cleanup_backlog(*t1) == 1u);
}

BOOST_FIXTURE_TEST_CASE(cleanup_removes_files_blob_refs_and_the_empty_package, fixture) {
    blob_store blobs(dir);
    const std::string sha(64, 'a');
    { std::ofstream(blobs.path_of(sha)) << "bytes"; }
    auto p = add(projects[0], "pkg", "1.0");
    {
        auto t = write_txn::begin(*env);
        for (int i = 0; i < 2; ++i) {
            package_file f;
            f.package_id = p.id;
            f.project_id = projects[0];
            f.file_name = "f" + std::to_string(i);
            f.sha256 = sha; // both files share one blob
            BOOST_REQUIRE(!add_file(*t, f));
        }
        BOOST_REQUIRE(!mark_package_for_destruction(*t, p));
        BOOST_REQUIRE(!t->commit());
    }
    for (int round = 0; round < 4; ++round) {
        const bool there = std::filesystem::exists(blobs.path_of(sha));
        auto t = write_txn::begin(*env);
        auto n = collect_garbage(*t, blobs, 16);
        BOOST_REQUIRE(n.has_value());
        // The bytes stay until the transaction that dropped their last reference is durable.
        BOOST_TEST(std::filesystem::exists(blobs.path_of(sha)) == there);
        BOOST_REQUIRE(!t->commit());
    }
    BOOST_TEST(!std::filesystem::exists(blobs.path_of(sha)));
    auto r = read_txn::begin(*env);
    BOOST_TEST(!find_package(*r, p.id).has_value());
    BOOST_TEST(files_of(*r, p.id).empty());
    BOOST_TEST(blob_refcount(*r, sha) == 0u);
    BOOST_TEST(cleanup_backlog(*r) == 0u);
    list_query q;
    q.scope_id = projects[0];
    q.filter.status = package_status::pending_destruction;
    BOOST_TEST(list_packages(*r, q).rows.empty());
}

BOOST_FIXTURE_TEST_CASE(name_search_is_case_insensitive_and_counts_are_bounded, fixture) {
    for (int i = 0; i < 30; ++i) {
        add(projects[0], (i % 3 == 0 ? "Core-Lib-" : "other-") + std::to_string(i), "1.0");
    }
    list_query q;
    q.scope_id = projects[0];
    q.filter.name_terms = {"core", "lib"};
    q.limit = 5;
    q.count_limit = 8;
    auto t = read_txn::begin(*env);
    auto page = list_packages(*t, q);
    BOOST_TEST(page.rows.size() == 5u);
    BOOST_TEST(page.total.value_or(0) == 0u); // 10 matches > count_limit: unknown
    BOOST_TEST(!page.total.has_value());
    BOOST_TEST(page.has_more);
    q.count_limit = 10000;
    BOOST_TEST(list_packages(*t, q).total.value_or(0) == 10u);
}

BOOST_AUTO_TEST_SUITE_END()
