#include "routing/handlers/npm_scope.hpp"

#include "routing/access.hpp"
#include "routing/gitlab_errors.hpp"
#include "routing/npm/names.hpp"
#include "routing/npm/responses.hpp"
#include "store/identity.hpp"
#include "store/npm.hpp"

#include <algorithm>

namespace packyard::routing::handlers {
namespace {

/// Grape's file_path validator (Gitlab::PathTraversal): no traversal, no absolute path.
bool valid_file_path(std::string_view s) {
    return !(s == "." || s == ".." || s.starts_with("../") || s.ends_with("/..") ||
             s.find("/../") != std::string_view::npos || s.find('\n') != std::string_view::npos ||
             s.find('\r') != std::string_view::npos || s.starts_with("/") ||
             s.find('\\') != std::string_view::npos || s.find('%') != std::string_view::npos);
}

std::string prefix_of(const request_context& ctx, npm_level level, std::uint64_t project_id) {
    std::string out = ctx.base_url();
    switch (level) {
    case npm_level::project:
        out += "/api/v4/projects/" + std::to_string(project_id) + "/packages/npm/";
        break;
    case npm_level::group:
        out += "/api/v4/groups/";
        out += ctx.raw_path_param("id"); // as the client named it: its _authToken covers it
        out += "/-/packages/npm/";
        break;
    case npm_level::instance:
        out += "/api/v4/packages/npm/";
        break;
    }
    return out;
}

/// A project found, then GitLab's authorize_read_package!: 403 when it is visible without its
/// packages being readable.
std::variant<npm_target, response> readable(request_context& ctx, const store::txn& t,
                                            store::project p, npm_level level, bool non_public) {
    if (!can_read_project(ctx, t, p)) {
        if (non_public && !ctx.who.signed_in()) {
            return unauthorized();
        }
        return npm::not_found("Project");
    }
    if (!can_read_packages(ctx, t, p)) {
        return forbidden();
    }
    npm_target out{std::move(p), {}};
    out.tarball_prefix = prefix_of(ctx, level, out.project.id);
    return out;
}

/// The newest installable package of that name under a namespace: its project.
std::optional<store::project> newest_in(const store::txn& t, std::uint64_t namespace_id,
                                        std::string_view name) {
    std::optional<store::project> best;
    std::uint64_t best_package = 0;
    for (const auto& state : store::npm_projects_with(t, name)) {
        if (state.last_installable <= best_package) {
            continue;
        }
        auto p = store::find_project(t, state.project_id);
        if (!p) {
            continue;
        }
        const auto up = store::namespace_ancestry(t, p->namespace_id);
        if (std::find(up.begin(), up.end(), namespace_id) != up.end()) {
            best = std::move(*p);
            best_package = state.last_installable;
        }
    }
    return best;
}

} // namespace

npm_level npm_level_of(const request_context& ctx) noexcept {
    const auto pattern = ctx.match.matched->pattern;
    if (pattern.starts_with("/api/v4/projects/")) {
        return npm_level::project;
    }
    return pattern.starts_with("/api/v4/groups/") ? npm_level::group : npm_level::instance;
}

std::variant<npm_target, response> npm_project(request_context& ctx, const store::txn& t,
                                               std::string_view package_name, bool non_public) {
    const auto level = npm_level_of(ctx);
    if (level == npm_level::project) {
        // Resolved by the route's needs: visible, packages readable, the route's rights.
        npm_target out{*ctx.subject.project, {}};
        out.tarball_prefix = prefix_of(ctx, level, out.project.id);
        return out;
    }
    std::uint64_t namespace_id = 0;
    if (level == npm_level::group) {
        namespace_id = ctx.subject.group->id; // resolved by the route's needs
    } else {
        // Packages::Npm.scope_of + Namespace.top_level.by_path.
        const auto scope = npm::scope_of(package_name);
        auto ns = scope ? store::find_namespace_by_path(t, *scope) : std::nullopt;
        if (!ns || ns->parent_id != 0) {
            return npm::not_found("Project");
        }
        namespace_id = ns->id;
    }
    auto p = newest_in(t, namespace_id, package_name);
    if (!p) {
        return npm::not_found("Project");
    }
    return readable(ctx, t, std::move(*p), level, non_public);
}

std::variant<std::string, response> npm_package_name(const request_context& ctx) {
    std::string name = ctx.path_param("package_name");
    if (!valid_file_path(name)) {
        return bad_params("package_name should be a valid file path");
    }
    return name;
}

std::optional<response> npm_publish_check(request_context& ctx) {
    auto name = npm_package_name(ctx);
    if (auto* err = std::get_if<response>(&name)) {
        return std::move(*err);
    }
    return std::nullopt;
}

} // namespace packyard::routing::handlers
