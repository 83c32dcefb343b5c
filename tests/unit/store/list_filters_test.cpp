// Every list filter, order, direction, page and scope against a plain reference: a random store
// of packages, each query answered by store::list_packages (whichever index it picks: the plain
// walk, the class facet's merged runs, the version facet, the name search) and by filtering
// and sorting every package in memory. Rows, X-Total and has_more must agree, before and after
// status changes and deletions.

#include "store/codec.hpp"
#include "store/identity.hpp"
#include "store/packages.hpp"
#include "store/upgrade.hpp"
#include "temp_env.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <map>
#include <random>

using namespace packyard::store;

namespace {

bool contains_folded_ref(std::string_view hay, std::string_view needle) {
    std::string h(hay);
    for (auto& c : h) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return h.find(needle) != std::string::npos;
}

struct world : testing::temp_env {
    world() {
        auto t = write_txn::begin(*env);
        user u;
        u.username = "root";
        u.email = "r@x.io";
        BOOST_REQUIRE(!create_user(*t, u));
        namespace_row top;
        top.name = top.path = "top";
        top.vis = visibility::public_;
        BOOST_REQUIRE(!create_group(*t, top));
        namespace_row sub;
        sub.name = sub.path = "sub";
        sub.parent_id = top.id;
        sub.vis = visibility::public_;
        BOOST_REQUIRE(!create_group(*t, sub));
        top_group = top.id;
        sub_group = sub.id;
        // Two projects share a path (in different groups): project_path ties go by id.
        struct spec {
            const char* path;
            std::uint64_t ns;
            visibility vis;
        };
        for (const spec& s :
             {spec{"same", top.id, visibility::private_}, spec{"same", sub.id, visibility::public_},
              spec{"b-internal", sub.id, visibility::internal},
              spec{"a-public", top.id, visibility::public_}}) {
            project p;
            p.name = p.path = s.path;
            p.namespace_id = s.ns;
            p.vis = s.vis;
            BOOST_REQUIRE(!create_project(*t, p));
            projects.push_back(p);
        }
        BOOST_REQUIRE(!t->commit());
    }

    void fill(std::size_t n, std::mt19937_64& rng) {
        const package_type types[] = {package_type::generic, package_type::npm, package_type::maven,
                                      package_type::pypi, package_type::terraform_module};
        const package_status statuses[] = {package_status::default_,  package_status::default_,
                                           package_status::default_,  package_status::hidden,
                                           package_status::error,     package_status::deprecated,
                                           package_status::processing};
        const char* words[] = {"alpha", "Beta", "gamma", "ALPHAx", "delta", "al"};
        auto t = write_txn::begin(*env);
        for (std::size_t i = 0; i < n; ++i) {
            const auto& pr = projects[rng() % projects.size()];
            auto place = place_of(*t, pr.id);
            package p;
            p.name = std::string(words[rng() % std::size(words)]) + "-" +
                     words[rng() % std::size(words)];
            const auto v = rng() % 5;
            if (v != 0) {
                p.version = v == 1 ? "1.0.3" : (v == 2 ? "1.0.10" : (v == 3 ? "2.0.0" : "0.1"));
            }
            p.type = types[rng() % std::size(types)];
            p.status = statuses[rng() % std::size(statuses)];
            p.created_at = static_cast<std::int64_t>(1 + rng() % 40); // ties on purpose
            BOOST_REQUIRE(!create_package(*t, p, *place));
            all[p.id] = p;
        }
        BOOST_REQUIRE(!t->commit());
    }

    /// Changes some statuses and marks some packages for destruction.
    void churn(std::mt19937_64& rng) {
        auto t = write_txn::begin(*env);
        for (auto& [id, p] : all) {
            const auto r = rng() % 10;
            if (r == 0) {
                BOOST_REQUIRE(!mark_package_for_destruction(*t, p));
                p.status = package_status::pending_destruction;
            } else if (r == 1) {
                package after = p;
                after.status = p.status == package_status::hidden ? package_status::default_
                                                                  : package_status::hidden;
                BOOST_REQUIRE(!update_package(*t, p, after, *place_of(*t, p.project_id)));
                p = after;
            }
        }
        BOOST_REQUIRE(!t->commit());
    }

    const project& project_of(std::uint64_t id) const {
        return *std::find_if(projects.begin(), projects.end(),
                             [&](const project& p) { return p.id == id; });
    }
    bool in_scope(const list_query& q, const package& p) const {
        if (q.scope == list_scope::project) {
            return p.project_id == q.scope_id;
        }
        const auto ns = project_of(p.project_id).namespace_id;
        return q.scope_id == top_group || ns == q.scope_id;
    }

    list_page reference(const list_query& q) const {
        std::vector<const package*> hits;
        const auto& f = q.filter;
        for (const auto& [id, p] : all) {
            if (!in_scope(q, p) || !class_matches(f, p.status, p.type, p.version.has_value())) {
                continue;
            }
            if (f.version && p.version != *f.version) {
                continue;
            }
            if (q.projects != nullptr &&
                !std::binary_search(q.projects->begin(), q.projects->end(), p.project_id)) {
                continue;
            }
            if (!std::all_of(f.name_terms.begin(), f.name_terms.end(),
                             [&](const auto& term) { return contains_folded_ref(p.name, term); })) {
                continue;
            }
            hits.push_back(&p);
        }
        // GitLab's orders: the key, then id; NULL versions last ascending; project_path ties by
        // id DESC in both directions.
        auto key_cmp = [&](const package& a, const package& b) -> int {
            switch (q.order) {
            case list_order::created_at:
                return a.created_at < b.created_at ? -1 : (a.created_at > b.created_at ? 1 : 0);
            case list_order::name:
                return a.name.compare(b.name);
            case list_order::version:
                if (a.version.has_value() != b.version.has_value()) {
                    return a.version ? -1 : 1;
                }
                return a.version ? a.version->compare(*b.version) : 0;
            case list_order::type:
                return static_cast<int>(a.type) - static_cast<int>(b.type);
            case list_order::project_path:
                return project_of(a.project_id).path.compare(project_of(b.project_id).path);
            }
            return 0;
        };
        std::sort(hits.begin(), hits.end(), [&](const package* a, const package* b) {
            const int c = key_cmp(*a, *b);
            if (q.order == list_order::project_path) {
                if (c != 0) {
                    return q.desc ? c > 0 : c < 0;
                }
                return a->id > b->id;
            }
            if (c != 0) {
                return q.desc ? c > 0 : c < 0;
            }
            return q.desc ? a->id > b->id : a->id < b->id;
        });
        list_page page;
        const auto n = hits.size();
        if (n <= q.count_limit) {
            page.total = n;
        }
        page.has_more = q.offset + q.limit < n;
        for (std::size_t i = q.offset; i < n && i < q.offset + q.limit; ++i) {
            page.rows.push_back(*hits[i]);
        }
        return page;
    }

    std::uint64_t top_group = 0;
    std::uint64_t sub_group = 0;
    std::vector<project> projects;
    std::map<std::uint64_t, package> all;
};

std::vector<std::uint64_t> ids(const list_page& p) {
    std::vector<std::uint64_t> out;
    for (const auto& r : p.rows) {
        out.push_back(r.id);
    }
    return out;
}

/// The scopes a query can have: each project, each group whole, a group as an anonymous
/// visitor sees it (public projects: whole visibility levels), and a group restricted to an
/// arbitrary set of projects.
struct scope_case {
    list_scope scope;
    std::uint64_t id;
    std::vector<std::uint64_t> projects;
    bool restricted = false;
    std::optional<visibility_levels> levels;
};

std::vector<scope_case> scope_cases(const world& w) {
    std::vector<scope_case> out;
    for (const auto& p : w.projects) {
        out.push_back({list_scope::project, p.id, {}, false, std::nullopt});
    }
    for (auto g : {w.top_group, w.sub_group}) {
        out.push_back({list_scope::group, g, {}, false, std::nullopt});
        scope_case pub{list_scope::group, g, {}, true, visibility_levels{false, false, true}};
        scope_case some{list_scope::group, g, {}, true, std::nullopt};
        for (const auto& p : w.projects) {
            const bool in = g == w.top_group || p.namespace_id == g;
            if (in && p.vis == visibility::public_) {
                pub.projects.push_back(p.id);
            }
            if (in && p.vis != visibility::public_) {
                some.projects.push_back(p.id);
            }
        }
        some.projects.resize(std::min<std::size_t>(some.projects.size(), 1));
        out.push_back(pub);
        out.push_back(some);
    }
    return out;
}

void check_all(world& w, std::mt19937_64& rng, std::size_t samples) {
    const std::optional<package_type> types[] = {
        std::nullopt, package_type::npm, package_type::maven, package_type::terraform_module};
    const std::optional<package_status> statuses[] = {std::nullopt, package_status::default_,
                                                      package_status::hidden,
                                                      package_status::pending_destruction};
    const std::optional<std::string> versions[] = {std::nullopt, "1.0.3", "9.9"};
    const std::vector<std::string> names[] = {{}, {"al"}, {"alpha", "-b"}, {"zz"}};
    auto t = read_txn::begin(*w.env);
    std::size_t checked = 0;
    for (const auto& sc : scope_cases(w)) {
        for (const auto& type : types) {
            for (const auto& status : statuses) {
                for (const auto& version : versions) {
                    for (const auto& name : names) {
                        for (bool versionless : {false, true}) {
                            for (std::size_t s = 0; s < samples; ++s) {
                                list_query q;
                                q.scope = sc.scope;
                                q.scope_id = sc.id;
                                if (sc.restricted) {
                                    q.projects = &sc.projects;
                                    q.levels = sc.levels;
                                }
                                q.filter.type = type;
                                q.filter.status = status;
                                q.filter.version = version;
                                q.filter.name_terms = name;
                                q.filter.include_versionless = versionless;
                                const int orders = sc.scope == list_scope::group ? 5 : 4;
                                q.order = static_cast<list_order>(
                                    1 + rng() % static_cast<unsigned>(orders));
                                q.desc = rng() % 2 == 0;
                                q.offset = rng() % 3 == 0 ? rng() % 30 : 0;
                                q.limit = 1 + rng() % 25;
                                q.count_limit = rng() % 3 == 0 ? 1 + rng() % 12 : 10000;
                                const auto want = w.reference(q);
                                const auto got = list_packages(*t, q);
                                BOOST_TEST_CONTEXT("scope " << int(sc.scope) << ":" << sc.id
                                                            << " restricted " << sc.restricted
                                                            << " order " << int(q.order) << " desc "
                                                            << q.desc << " offset " << q.offset
                                                            << " limit " << q.limit
                                                            << " count_limit " << q.count_limit) {
                                    BOOST_TEST(ids(got) == ids(want),
                                               boost::test_tools::per_element());
                                    BOOST_TEST(got.total.has_value() == want.total.has_value());
                                    BOOST_TEST(got.total.value_or(0) == want.total.value_or(0));
                                    BOOST_TEST(got.has_more == want.has_more);
                                }
                                // Again as the routing's cache of totals asks: with the
                                // total (or "over the limit") already known.
                                if (want.total) {
                                    q.known_total = want.total;
                                } else {
                                    q.known_over_limit = true;
                                }
                                const auto again = list_packages(*t, q);
                                BOOST_TEST(ids(again) == ids(want),
                                           boost::test_tools::per_element());
                                BOOST_TEST(again.total.value_or(0) == want.total.value_or(0));
                                BOOST_TEST(again.has_more == want.has_more);
                                ++checked;
                            }
                        }
                    }
                }
            }
        }
    }
    BOOST_TEST(checked > 1000u);
}

} // namespace

BOOST_AUTO_TEST_SUITE(list_filters)

BOOST_FIXTURE_TEST_CASE(every_filter_order_and_scope_agrees_with_the_reference, world) {
    std::mt19937_64 rng(20261201);
    fill(400, rng);
    check_all(*this, rng, 4);
    churn(rng);
    fill(50, rng);
    check_all(*this, rng, 2);
}

BOOST_FIXTURE_TEST_CASE(upgrade_from_layout_4_builds_the_facets_and_counters, world) {
    std::mt19937_64 rng(4);
    fill(300, rng);
    churn(rng);
    {
        // What a layout-4 folder looks like: the plain index only (no facet entries, whose order
        // byte is 0x10 or more), no class counters, version 4 recorded.
        auto t = write_txn::begin(*env);
        std::vector<std::string> facets;
        {
            cursor c(*t, t->db().package_order);
            for (bool ok = c.first(); ok; ok = c.next()) {
                if (c.key().size() > 9 && static_cast<std::uint8_t>(c.key()[9]) >= 0x10) {
                    facets.emplace_back(c.key());
                }
            }
        }
        BOOST_REQUIRE(!facets.empty());
        for (const auto& k : facets) {
            BOOST_REQUIRE(del(*t, t->db().package_order, k));
        }
        BOOST_REQUIRE(mdb_drop(t->handle(), t->db().package_classes, 0) == 0);
        value_writer w;
        w.u32(4);
        BOOST_REQUIRE(!put(*t, t->db().meta, "schema_version", w.view()));
        BOOST_REQUIRE(!t->commit());
    }
    open();
    BOOST_TEST(env->found_schema_version() == 4U);
    BOOST_REQUIRE(!upgrade(*env));
    BOOST_TEST(env->found_schema_version() == schema_version);
    check_all(*this, rng, 1);
}

BOOST_FIXTURE_TEST_CASE(class_counters_and_generations_follow_every_write, world) {
    std::mt19937_64 rng(7);
    fill(120, rng);
    auto gen_before = [&] {
        auto t = read_txn::begin(*env);
        return list_generation(*t, list_scope::group, top_group);
    }();
    BOOST_TEST(gen_before > 0u);
    churn(rng);
    auto t = read_txn::begin(*env);
    BOOST_TEST(list_generation(*t, list_scope::group, top_group) > gen_before);
    for (const auto& p : projects) {
        std::map<std::tuple<int, int, bool>, std::uint64_t> want;
        for (const auto& [id, pkg] : all) {
            if (pkg.project_id == p.id) {
                ++want[{static_cast<int>(pkg.type), static_cast<int>(pkg.status),
                        pkg.version.has_value()}];
            }
        }
        std::map<std::tuple<int, int, bool>, std::uint64_t> got;
        for (const auto& c : class_counts(*t, list_scope::project, p.id)) {
            got[{static_cast<int>(c.cls.type), static_cast<int>(c.cls.status),
                 c.cls.has_version}] += c.packages;
        }
        BOOST_TEST((got == want));
    }
}

BOOST_AUTO_TEST_SUITE_END()
