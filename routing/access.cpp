#include "routing/access.hpp"

#include "routing/gitlab_errors.hpp"
#include "routing/params.hpp"
#include "store/identity.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace packyard::routing {
namespace {

bool is_numeric_id(std::string_view s) {
    if (!s.empty() && s.front() == '-') {
        s.remove_prefix(1);
    }
    if (s.empty()) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

package_audience compute_audience(const request_context& ctx, const store::txn& t,
                                  const store::namespace_row& g, bool exclude_subgroups) {
    package_audience a;
    const std::vector<std::uint64_t> namespaces = exclude_subgroups
                                                      ? std::vector<std::uint64_t>{g.id}
                                                      : store::self_and_descendant_groups(t, g.id);
    const bool group_wide =
        ctx.who.admin() || at_least(group_role(ctx, t, g), ctx.svc.cfg.packages_read_min);
    for (auto ns : namespaces) {
        for (auto pid : store::projects_in_namespace(t, ns)) {
            auto p = store::find_project(t, pid);
            if (!p) {
                continue;
            }
            ++a.total_projects;
            const std::size_t level = static_cast<std::size_t>(p->vis) / 10;
            ++a.seen[level];
            if (p->packages_enabled && (group_wide || can_read_packages(ctx, t, *p))) {
                a.allowed.push_back(pid);
                ++a.taken[level];
            }
        }
    }
    std::sort(a.allowed.begin(), a.allowed.end());
    return a;
}

} // namespace

bool visible_without_membership(const principal& who, store::visibility v) {
    return v == store::visibility::public_ || (v == store::visibility::internal && who.signed_in());
}

store::access_level project_role(const request_context& ctx, const store::txn& t,
                                 const store::project& p) {
    if (ctx.who.admin()) {
        return store::access_level::owner;
    }
    return store::project_access(t, p, ctx.who.user_id());
}

store::access_level group_role(const request_context& ctx, const store::txn& t,
                               const store::namespace_row& g) {
    if (ctx.who.admin()) {
        return store::access_level::owner;
    }
    return store::group_access(t, g.id, ctx.who.user_id());
}

bool can_read_project(const request_context& ctx, const store::txn& t, const store::project& p) {
    return visible_without_membership(ctx.who, p.vis) ||
           at_least(project_role(ctx, t, p), store::access_level::guest);
}

bool can_read_group(const request_context& ctx, const store::txn& t,
                    const store::namespace_row& g) {
    return visible_without_membership(ctx.who, g.vis) ||
           at_least(group_role(ctx, t, g), store::access_level::guest) ||
           store::has_descendant_membership(t, g.id, ctx.who.user_id());
}

bool can_read_packages(const request_context& ctx, const store::txn& t, const store::project& p) {
    if (!p.packages_enabled) {
        return false;
    }
    return visible_without_membership(ctx.who, p.vis) ||
           at_least(project_role(ctx, t, p), ctx.svc.cfg.packages_read_min);
}

std::variant<store::project, response> find_readable_project(const request_context& ctx,
                                                             const store::txn& t) {
    const std::string id = ctx.path_param("id");
    std::optional<store::project> p;
    if (is_numeric_id(id)) {
        if (auto n = parse_int(id); n && *n > 0) {
            p = store::find_project(t, static_cast<std::uint64_t>(*n));
        }
    } else if (id.find('/') != std::string::npos) {
        p = store::find_project_by_path(t, id);
    }
    if (!p) {
        return not_found("Project");
    }
    if (!can_read_project(ctx, t, *p)) {
        if (ctx.who.kind == auth_kind::job_token && ctx.who.token) {
            std::string from;
            if (auto src = store::find_project(t, ctx.who.token->project_id)) {
                from = src->path;
            }
            return forbidden("Authentication by CI/CD job token not allowed from " + from + " to " +
                             p->path + ".");
        }
        return not_found("Project");
    }
    return std::move(*p);
}

std::variant<store::namespace_row, response> find_readable_group(const request_context& ctx,
                                                                 const store::txn& t) {
    const std::string id = ctx.path_param("id");
    std::optional<store::namespace_row> g;
    if (is_numeric_id(id)) {
        if (auto n = parse_int(id); n && *n > 0) {
            g = store::find_namespace(t, static_cast<std::uint64_t>(*n));
        }
    } else {
        g = store::find_namespace_by_path(t, id);
    }
    if (!g || g->kind != store::namespace_kind::group || !can_read_group(ctx, t, *g)) {
        return not_found("Group");
    }
    return std::move(*g);
}

const package_audience& group_package_audience(const request_context& ctx, const store::txn& t,
                                               const store::namespace_row& g,
                                               bool exclude_subgroups) {
    struct key {
        std::uint64_t group;
        std::uint64_t user;
        bool exclude;
        bool operator<(const key& o) const noexcept {
            return std::tie(group, user, exclude) < std::tie(o.group, o.user, o.exclude);
        }
    };
    thread_local std::map<key, package_audience> cache;
    const key k{g.id, ctx.who.user_id(), exclude_subgroups};
    auto it = cache.find(k);
    if (it != cache.end() && it->second.generation == ctx.svc.env.identity_generation()) {
        return it->second;
    }
    if (cache.size() > 4096) {
        cache.clear(); // bounded: distinct callers of distinct groups
    }
    auto a = compute_audience(ctx, t, g, exclude_subgroups);
    a.generation = ctx.snapshot_generation;
    return cache.insert_or_assign(k, std::move(a)).first->second;
}

} // namespace packyard::routing
