// List pages. Which index a page reads depends on its filter, so that what a page costs follows
// what it returns, not what it skips (docs/decisions/0013-list-filters.md):
// * package_name: the names each project's trigram index yields (0005-name-search), for a group
//   its projects one by one;
// * package_version: that version's run of the version facet, gathered and ordered;
// * a filter on type, status or include_versionless, or a group list restricted to some
//   visibility levels, when the packages it keeps are less than half of the scope's: the class
//   facet's runs of the classes it keeps, merged; their counters give X-Total;
// * anything else: the plain order index, with the filter applied to each entry's summary.

#include "store/codec.hpp"
#include "store/identity.hpp"
#include "store/order_stream.hpp"
#include "store/package_hits.hpp"
#include "store/package_keys.hpp"
#include "store/package_names.hpp"
#include "store/packages.hpp"

#include <algorithm>

namespace packyard::store {
namespace {

bool passes(const list_filter& f, const keys::summary& s) noexcept {
    return class_matches(f, s.status, s.type, s.has_version);
}

bool allowed_project(const list_query& q, std::uint64_t project_id) {
    return q.projects == nullptr ||
           std::binary_search(q.projects->begin(), q.projects->end(), project_id);
}

bool has_all_terms(std::string_view name, const std::vector<std::string>& terms) {
    return std::all_of(terms.begin(), terms.end(),
                       [&](const std::string& term) { return contains_folded(name, term); });
}

/// Gathers one project's packages whose names match the query's: the project's trigram index
/// yields the names that can match, its name order their packages with their sort keys.
/// False once more than count_limit hits are gathered.
bool gather_by_name(const txn& t, const list_query& q, std::uint64_t project_id, cursor& c,
                    std::vector<package_hit>& hits) {
    const std::string order = keys::order_prefix(list_scope::project, project_id, list_order::name);
    bool over = false;
    for_each_matching_name(t, project_id, q.filter.name_terms, [&](std::string_view name) {
        if (over) {
            return;
        }
        key_builder k;
        k.bytes(order).str0(name);
        const std::string prefix = k.str();
        for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
            const auto s = keys::read_summary(c.value(), true);
            if (!passes(q.filter, s) || (q.filter.version && s.version != *q.filter.version)) {
                continue;
            }
            if (hits.size() == q.count_limit) {
                over = true;
                return;
            }
            hits.push_back({keys::package_id_of(c.key(), list_order::name), project_id,
                            s.created_at, name, s.version, s.has_version, s.type});
        }
    });
    return !over;
}

/// A list with package_name: each project's trigram index (a group's projects one by one), and
/// only the page's rows are read. Cost follows the matching names and, in a group, its number
/// of projects, not its packages. More than count_limit matches: none (the caller walks an
/// order index, where they are dense).
std::optional<list_page> search_by_name(const txn& t, const list_query& q) {
    std::vector<package_hit> hits;
    cursor c(t, t.db().package_order);
    if (q.scope == list_scope::project) {
        if (!gather_by_name(t, q, q.scope_id, c, hits)) {
            return std::nullopt;
        }
        return page_of_hits(t, q, hits);
    }
    std::vector<std::uint64_t> projects;
    if (q.projects != nullptr) {
        projects = *q.projects;
    } else {
        for (auto g : self_and_descendant_groups(t, q.scope_id)) {
            for (auto p : projects_in_namespace(t, g)) {
                projects.push_back(p);
            }
        }
    }
    for (auto p : projects) {
        if (!gather_by_name(t, q, p, c, hits)) {
            return std::nullopt;
        }
    }
    return page_of_hits(t, q, hits);
}

/// A list with package_version: the version facet holds that version's packages of the scope
/// (in created order), so only they are read. More than count_limit of them: none (the caller
/// then walks an order index; the total is not shown past the limit anyway).
std::optional<list_page> collect_version(const txn& t, const list_query& q) {
    const std::string prefix = keys::version_prefix(q.scope, q.scope_id, *q.filter.version);
    std::vector<package_hit> hits;
    cursor c(t, t.db().package_order);
    for (bool ok = c.seek(prefix); ok && has_prefix(c.key(), prefix); ok = c.next()) {
        const auto s = keys::read_summary(c.value(), false);
        if (!passes(q.filter, s) || !allowed_project(q, s.project_id) ||
            !has_all_terms(s.name, q.filter.name_terms)) {
            continue;
        }
        if (hits.size() == q.count_limit) {
            return std::nullopt;
        }
        const auto key = c.key();
        hits.push_back({keys::package_id_of(key, list_order::created_at), s.project_id,
                        keys::created_in_version_key(key, prefix.size()), s.name, *q.filter.version,
                        true, s.type});
    }
    return page_of_hits(t, q, hits);
}

/// The runs a walk reads: the plain index, or the class facet's runs of the classes the filter
/// keeps, with X-Total from the class counters when they answer for the query.
struct walk_plan {
    std::vector<order_stream> runs;
    std::optional<std::uint64_t> total;
};

/// Up to this many projects, a total over a set of projects is summed from their counters.
constexpr std::size_t max_counted_projects = 20000;

walk_plan plan_walk(const txn& t, const list_query& q) {
    walk_plan plan;
    const bool restricted_levels = q.levels.has_value();
    if (q.filter.is_default() && q.projects == nullptr) {
        plan.runs.emplace_back(t, keys::order_prefix(q.scope, q.scope_id, q.order), q.order,
                               q.desc);
        return plan;
    }
    std::vector<package_class> keep;
    std::uint64_t kept = 0;
    std::uint64_t all = 0;
    for (const auto& c : class_counts(t, q.scope, q.scope_id)) {
        all += c.packages;
        if ((!restricted_levels || q.levels->has(c.cls.vis)) &&
            class_matches(q.filter, c.cls.status, c.cls.type, c.cls.has_version)) {
            keep.push_back(c.cls);
            kept += c.packages;
        }
    }
    const bool class_only = q.filter.name_terms.empty() && !q.filter.version;
    if (class_only && (q.projects == nullptr || restricted_levels)) {
        plan.total = kept;
    } else if (class_only && q.projects->size() <= max_counted_projects) {
        // Some of the group's projects (exclude_subgroups, a member of some private ones):
        // their own class counters, a few reads per project instead of a walk to the total.
        std::uint64_t total = 0;
        for (auto project : *q.projects) {
            for (const auto& c : class_counts(t, list_scope::project, project)) {
                if (class_matches(q.filter, c.cls.status, c.cls.type, c.cls.has_version)) {
                    total += c.packages;
                }
            }
        }
        plan.total = total;
    }
    if (kept * 2 >= all) {
        // Dense: most entries of the plain index pass, and it is one run.
        plan.runs.emplace_back(t, keys::order_prefix(q.scope, q.scope_id, q.order), q.order,
                               q.desc);
        return plan;
    }
    plan.runs.reserve(keep.size());
    for (const auto& cls : keep) {
        plan.runs.emplace_back(t, keys::class_prefix(q.scope, q.scope_id, q.order, cls), q.order,
                               q.desc);
    }
    return plan;
}

/// Reads package rows by id through one cursor.
class row_reader {
public:
    explicit row_reader(const txn& t)
        : c_(t, t.db().packages) {}
    bool read(std::uint64_t id, package& out) {
        key_builder k;
        k.u64(id);
        if (!c_.seek(k.view()) || c_.key() != k.view()) {
            return false;
        }
        decode_or_fail(c_.value(), out);
        return true;
    }

private:
    cursor c_;
};

/// One ordered walk over the planned runs, the filter applied to each entry's summary (the row
/// is read only for a version filter past its facet's limit).
list_page walk_list(const txn& t, const list_query& q) {
    auto plan = plan_walk(t, q);
    std::optional<std::uint64_t> known = q.known_total ? q.known_total : plan.total;
    const bool need_count = !known && !q.known_over_limit;
    list_page page;
    page.rows.reserve(std::min<std::uint64_t>(q.limit, 100));
    std::uint64_t matched = 0;
    const bool project_name_order = q.scope == list_scope::project && q.order == list_order::name;
    row_reader rows(t);
    walk_runs(
        plan.runs, q.order, q.desc,
        [&](std::string_view key, std::string_view value, std::size_t head) {
            const bool plain = head == keys::order_head;
            const auto s = keys::read_summary(value, plain && project_name_order);
            if (!passes(q.filter, s) || !allowed_project(q, s.project_id)) {
                return true;
            }
            if (!q.filter.name_terms.empty() &&
                !has_all_terms(q.order == list_order::name ? keys::name_of(key, head) : s.name,
                               q.filter.name_terms)) {
                return true;
            }
            const std::uint64_t id = keys::package_id_of(key, q.order);
            std::optional<package> row;
            if (q.filter.version) {
                if (q.order == list_order::version) {
                    if (keys::version_of(key, head) != *q.filter.version) {
                        return true;
                    }
                } else {
                    package p;
                    if (!rows.read(id, p) || p.version != *q.filter.version) {
                        return true;
                    }
                    row = std::move(p);
                }
            }
            ++matched;
            if (matched > q.offset && page.rows.size() < q.limit) {
                package p;
                if (row) {
                    page.rows.push_back(std::move(*row));
                } else if (rows.read(id, p)) {
                    page.rows.push_back(std::move(p));
                }
                return true;
            }
            if (matched > q.offset + q.limit) {
                page.has_more = true;
                if (!need_count || matched > q.count_limit) {
                    return false;
                }
            }
            return true;
        });
    if (known) {
        // GitLab leaves the total out past 10,000 whatever gave it (counters or a count).
        if (*known <= q.count_limit) {
            page.total = known;
        }
        page.has_more = q.offset + q.limit < *known;
    } else if (need_count && matched <= q.count_limit) {
        page.total = matched;
    }
    return page;
}

} // namespace

bool class_matches(const list_filter& f, package_status status, package_type type,
                   bool has_version) noexcept {
    if (f.status ? status != *f.status : !displayable(status)) {
        return false;
    }
    if (f.type ? type != *f.type : type == package_type::terraform_module) {
        return false;
    }
    // A version filter, or GitLab's default, keeps versioned packages only.
    return has_version || (f.include_versionless && !f.version);
}

/// Whether walking the order index beats gathering all `matched` matches: a walk reads about
/// (offset + limit) × packages / matched entries until its page is full.
bool walk_is_cheaper(const txn& t, const list_query& q, std::uint64_t matched) {
    std::uint64_t packages = 0;
    for (const auto& c : class_counts(t, q.scope, q.scope_id)) {
        packages += c.packages;
    }
    return (q.offset + q.limit) * packages < matched * matched;
}

list_page list_packages(const txn& t, const list_query& q) {
    if (!q.filter.name_terms.empty() && !q.filter.version) {
        if (q.known_over_limit || (q.known_total && walk_is_cheaper(t, q, *q.known_total))) {
            return walk_list(t, q);
        }
        if (auto page = search_by_name(t, q)) {
            return *std::move(page);
        }
        list_query over = q;
        over.known_over_limit = true;
        return walk_list(t, over);
    }
    if (q.filter.version && !q.known_over_limit) {
        if (auto page = collect_version(t, q)) {
            return *std::move(page);
        }
        list_query over = q;
        over.known_over_limit = true;
        return walk_list(t, over);
    }
    return walk_list(t, q);
}

} // namespace packyard::store
