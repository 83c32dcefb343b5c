#include "routing/access.hpp"

#include "routing/gitlab_errors.hpp"
#include "routing/params.hpp"
#include "store/identity.hpp"

namespace packyard::routing {
namespace {

bool is_numeric_id(std::string_view s) {
    if (!s.empty() && s.front() == '-') {
        s.remove_prefix(1);
    }
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

} // namespace

bool visible_without_membership(const principal& who, store::visibility v) {
    return v == store::visibility::public_ || (v == store::visibility::internal && who.signed_in());
}

store::access_level project_role(request_context& ctx, const store::project& p) {
    if (ctx.who.admin()) {
        return store::access_level::owner;
    }
    return store::project_access(ctx.rtxn(), p, ctx.who.user_id());
}

store::access_level group_role(request_context& ctx, const store::namespace_row& g) {
    if (ctx.who.admin()) {
        return store::access_level::owner;
    }
    return store::group_access(ctx.rtxn(), g.id, ctx.who.user_id());
}

bool can_read_project(request_context& ctx, const store::project& p) {
    return visible_without_membership(ctx.who, p.vis) ||
           at_least(project_role(ctx, p), store::access_level::guest);
}

bool can_read_group(request_context& ctx, const store::namespace_row& g) {
    return visible_without_membership(ctx.who, g.vis) ||
           at_least(group_role(ctx, g), store::access_level::guest) ||
           store::has_descendant_membership(ctx.rtxn(), g.id, ctx.who.user_id());
}

bool can_read_packages(request_context& ctx, const store::project& p) {
    if (!p.packages_enabled) {
        return false;
    }
    return visible_without_membership(ctx.who, p.vis) ||
           at_least(project_role(ctx, p), ctx.svc.cfg.packages_read_min);
}

std::variant<store::project, response> find_readable_project(request_context& ctx,
                                                             std::string_view param) {
    const std::string id = ctx.path_param(param);
    const auto& t = ctx.rtxn();
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
    if (!can_read_project(ctx, *p)) {
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

std::variant<store::namespace_row, response> find_readable_group(request_context& ctx,
                                                                 std::string_view param) {
    const std::string id = ctx.path_param(param);
    const auto& t = ctx.rtxn();
    std::optional<store::namespace_row> g;
    if (is_numeric_id(id)) {
        if (auto n = parse_int(id); n && *n > 0) {
            g = store::find_namespace(t, static_cast<std::uint64_t>(*n));
        }
    } else {
        g = store::find_namespace_by_path(t, id);
    }
    if (!g || g->kind != store::namespace_kind::group || !can_read_group(ctx, *g)) {
        return not_found("Group");
    }
    return std::move(*g);
}

} // namespace packyard::routing
