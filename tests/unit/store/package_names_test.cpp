#include "store/codec.hpp"
#include "store/gc.hpp"
#include "store/identity.hpp"
#include "store/package_names.hpp"
#include "store/packages.hpp"
#include "store/upgrade.hpp"
#include "temp_env.hpp"

#include <boost/test/unit_test.hpp>
#include <random>

using namespace packyard::store;

namespace {

const char* const words[] = {"alpha", "Beta", "gamma", "core", "utils", "web", "a", "x1"};

struct fixture : testing::temp_env {
    fixture() {
        auto t = write_txn::begin(*env);
        namespace_row g;
        g.name = g.path = "g";
        g.vis = visibility::public_;
        BOOST_REQUIRE(!create_group(*t, g));
        group = g.id;
        for (const char* path : {"one", "two"}) {
            project p;
            p.name = p.path = path;
            p.namespace_id = g.id;
            p.vis = visibility::public_;
            BOOST_REQUIRE(!create_project(*t, p));
            projects.push_back(p.id);
        }
        BOOST_REQUIRE(!t->commit());
    }

    /// Random packages in both projects: mixed names (shared across versions), versions,
    /// types, statuses and created_at ties.
    void fill(std::size_t n) {
        std::mt19937 rng(7);
        auto t = write_txn::begin(*env);
        std::vector<package_place> places{*place_of(*t, projects[0]), *place_of(*t, projects[1])};
        for (std::size_t i = 0; i < n; ++i) {
            package p;
            p.name = std::string(words[rng() % 8]) + "-" + words[rng() % 8];
            if (rng() % 5 != 0) {
                p.version = std::to_string(rng() % 3) + "." + std::to_string(rng() % 4);
            }
            p.type = rng() % 3 == 0
                         ? package_type::npm
                         : (rng() % 2 == 0 ? package_type::generic : package_type::maven);
            p.created_at = 1000 + static_cast<std::int64_t>(rng() % 50);
            const auto& place = places[rng() % 4 == 0 ? 1 : 0];
            BOOST_REQUIRE(!create_package(*t, p, place));
            if (rng() % 6 == 0) {
                package after = p;
                after.status = rng() % 2 == 0 ? package_status::hidden : package_status::error;
                BOOST_REQUIRE(!update_package(*t, p, after, place));
            }
        }
        BOOST_REQUIRE(!t->commit());
    }

    std::vector<std::uint64_t> ids(const list_page& page) {
        std::vector<std::uint64_t> out;
        for (const auto& p : page.rows) {
            out.push_back(p.id);
        }
        return out;
    }

    /// Deletes every package of the project with this name through the cleanup queue.
    void delete_named(std::uint64_t project_id, const std::string& name) {
        {
            auto t = write_txn::begin(*env);
            list_query q;
            q.scope_id = project_id;
            q.limit = 100000;
            q.filter.include_versionless = true;
            for (auto s :
                 {package_status::default_, package_status::hidden, package_status::error}) {
                q.filter.status = s;
                for (const auto& p : list_packages(*t, q).rows) {
                    if (p.name == name) {
                        BOOST_REQUIRE(!mark_package_for_destruction(*t, p));
                    }
                }
            }
            BOOST_REQUIRE(!t->commit());
        }
        // Packages without files leave in the first step.
        auto t = write_txn::begin(*env);
        blob_store blobs(dir);
        while (cleanup_backlog(*t) > 0) {
            BOOST_REQUIRE(collect_garbage(*t, blobs, 100).has_value());
        }
        BOOST_REQUIRE(!t->commit());
    }

    std::uint64_t group = 0;
    std::vector<std::uint64_t> projects;
};

} // namespace

BOOST_AUTO_TEST_SUITE(package_names)

// The project search goes through the trigram index; the same filter on the group list, limited
// to that project, walks the group's order index and checks every entry. Both must agree on
// rows, order and totals for every order, direction, page and filter.
BOOST_FIXTURE_TEST_CASE(search_agrees_with_a_full_walk, fixture) {
    fill(600);
    auto t = read_txn::begin(*env);
    const std::vector<std::uint64_t> only_first{projects[0]};
    const std::vector<std::vector<std::string>> term_sets{
        {"alpha"}, {"a"}, {"alpha", "core"}, {"bet"}, {"eta-c"}, {"x1"}, {"zzz"}, {"ph", "web"}};
    std::size_t compared = 0;
    for (const auto& terms : term_sets) {
        for (auto order :
             {list_order::created_at, list_order::name, list_order::version, list_order::type}) {
            for (bool desc : {false, true}) {
                for (int variant = 0; variant < 4; ++variant) {
                    list_query search;
                    search.scope_id = projects[0];
                    search.order = order;
                    search.desc = desc;
                    search.filter.name_terms = terms;
                    search.limit = 7;
                    search.offset = static_cast<std::uint64_t>(variant) * 5;
                    if (variant == 1) {
                        search.filter.include_versionless = true;
                    }
                    if (variant == 2) {
                        search.filter.status = package_status::hidden;
                    }
                    if (variant == 3) {
                        search.filter.type = package_type::npm;
                        search.filter.version = "1.2";
                    }
                    list_query walk = search;
                    walk.scope = list_scope::group;
                    walk.scope_id = group;
                    walk.projects = &only_first;
                    const auto a = list_packages(*t, search);
                    const auto b = list_packages(*t, walk);
                    BOOST_TEST_CONTEXT("terms " << terms.front() << " order "
                                                << static_cast<int>(order) << " desc " << desc
                                                << " variant " << variant) {
                        BOOST_TEST(ids(a) == ids(b), boost::test_tools::per_element());
                        BOOST_TEST(a.total.value_or(999999) == b.total.value_or(999999));
                        BOOST_TEST(a.has_more == b.has_more);
                    }
                    compared += a.rows.size();
                }
            }
        }
    }
    BOOST_TEST(compared > 500U); // the comparison saw real rows, not empty pages
}

BOOST_FIXTURE_TEST_CASE(a_name_leaves_the_index_with_its_last_package, fixture) {
    auto add = [&](const std::string& name, const std::string& version) {
        auto t = write_txn::begin(*env);
        package p;
        p.name = name;
        p.version = version;
        p.created_at = 5;
        BOOST_REQUIRE(!create_package(*t, p, *place_of(*t, projects[0])));
        BOOST_REQUIRE(!t->commit());
    };
    auto found = [&](const std::string& term) {
        auto t = read_txn::begin(*env);
        list_query q;
        q.scope_id = projects[0];
        q.filter.name_terms = {term};
        return list_packages(*t, q).total.value_or(0);
    };
    add("Lib-Widgets", "1.0");
    add("Lib-Widgets", "2.0");
    add("other", "1.0");
    BOOST_TEST(found("widget") == 2U);
    BOOST_TEST(found("lib-w") == 2U);
    delete_named(projects[0], "Lib-Widgets");
    BOOST_TEST(found("widget") == 0U);
    BOOST_TEST(found("other") == 1U);
    delete_named(projects[0], "other");
    // Nothing of the project's names is left: entries, refcounts and gram counts.
    auto t = read_txn::begin(*env);
    cursor c(*t, t->db().package_names);
    std::size_t left = 0;
    for (bool ok = c.first(); ok; ok = c.next()) {
        ++left;
    }
    BOOST_TEST(left == 0U);
}

BOOST_FIXTURE_TEST_CASE(upgrade_from_layout_1_builds_the_index, fixture) {
    fill(200);
    std::uint64_t before = 0;
    {
        auto t = read_txn::begin(*env);
        list_query q;
        q.scope_id = projects[0];
        q.filter.name_terms = {"alpha"};
        before = list_packages(*t, q).total.value_or(0);
    }
    BOOST_REQUIRE(before > 0U);
    {
        // What a version-1 folder looks like: no name index, version 1 recorded.
        auto t = write_txn::begin(*env);
        BOOST_REQUIRE(mdb_drop(t->handle(), t->db().package_names, 0) == 0);
        value_writer w;
        w.u32(1);
        BOOST_REQUIRE(!put(*t, t->db().meta, "schema_version", w.view()));
        BOOST_REQUIRE(!t->commit());
    }
    open();
    BOOST_TEST(env->found_schema_version() == 1U);
    BOOST_REQUIRE(!upgrade(*env));
    BOOST_TEST(env->found_schema_version() == schema_version);
    {
        auto t = read_txn::begin(*env);
        list_query q;
        q.scope_id = projects[0];
        q.filter.name_terms = {"alpha"};
        BOOST_TEST(list_packages(*t, q).total.value_or(0) == before);
    }
    open();
    BOOST_TEST(env->found_schema_version() == schema_version);
}

BOOST_AUTO_TEST_SUITE_END()
