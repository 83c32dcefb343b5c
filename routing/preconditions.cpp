#include "routing/preconditions.hpp"

#include "routing/access.hpp"
#include "routing/gitlab_errors.hpp"
#include "routing/npm/responses.hpp"
#include "store/packages.hpp"

namespace packyard::routing {
namespace {

/// A missing or hidden project or group as the route answers it: npm routes in npm's shape
/// (401 first for an anonymous caller where GitLab has authenticate_non_public).
response npm_missing(const request_context& ctx, const needs& n, response err,
                     std::string_view resource) {
    if (n.missing != when_missing::npm && n.missing != when_missing::npm_non_public) {
        return err;
    }
    if (err.status == 403) {
        return err; // a job token from a project outside the allowlist
    }
    if (n.missing == when_missing::npm_non_public && !ctx.who.signed_in()) {
        return unauthorized();
    }
    return npm::not_found(resource);
}

std::optional<response> resolve_project(request_context& ctx, const store::txn& t, const needs& n) {
    auto found = find_readable_project(ctx, t);
    if (auto* err = std::get_if<response>(&found)) {
        switch (n.missing) {
        case when_missing::project_not_found:
            return std::move(*err);
        case when_missing::not_found:
            return err->status == 404 ? not_found() : std::move(*err);
        case when_missing::generic_download:
            // routing::app adds the Basic realm to a 401 on a basic-auth route.
            return ctx.who.signed_in() ? not_found() : unauthorized();
        case when_missing::npm:
        case when_missing::npm_non_public:
            return npm_missing(ctx, n, std::move(*err), "Project");
        }
    }
    const auto& p = ctx.subject.project.emplace(std::move(std::get<store::project>(found)));
    if (n.may == 0) {
        return std::nullopt;
    }
    if ((n.may & read_packages) != 0 && !can_read_packages(ctx, t, p)) {
        return forbidden();
    }
    if ((n.may & read_pipelines) != 0 && !visible_without_membership(ctx.who, p.vis) &&
        !at_least(project_role(ctx, t, p), store::access_level::reporter)) {
        return forbidden();
    }
    const unsigned by_role = n.may & (upload | developer | maintainer | owner);
    if (by_role == 0) {
        return std::nullopt;
    }
    const auto role = project_role(ctx, t, p);
    if ((n.may & upload) != 0 &&
        (!p.packages_enabled || !at_least(role, store::access_level::developer))) {
        return forbidden();
    }
    if (((n.may & developer) != 0 && !at_least(role, store::access_level::developer)) ||
        ((n.may & maintainer) != 0 && !at_least(role, store::access_level::maintainer)) ||
        ((n.may & owner) != 0 && !at_least(role, store::access_level::owner))) {
        return forbidden();
    }
    return std::nullopt;
}

std::optional<response> resolve_group(request_context& ctx, const store::txn& t, const needs& n) {
    auto found = find_readable_group(ctx, t);
    if (auto* err = std::get_if<response>(&found)) {
        if (n.missing == when_missing::generic_download && err->status != 403) {
            // routing::app adds the Basic realm to a 401 on a basic-auth route.
            return ctx.who.signed_in() ? not_found() : unauthorized();
        }
        return npm_missing(ctx, n, std::move(*err), "Group");
    }
    const auto& g = ctx.subject.group.emplace(std::move(std::get<store::namespace_row>(found)));
    if ((n.may & (developer | maintainer | owner)) == 0) {
        return std::nullopt;
    }
    const auto role = group_role(ctx, t, g);
    if (((n.may & developer) != 0 && !at_least(role, store::access_level::developer)) ||
        ((n.may & maintainer) != 0 && !at_least(role, store::access_level::maintainer)) ||
        ((n.may & owner) != 0 && !at_least(role, store::access_level::owner))) {
        return forbidden();
    }
    return std::nullopt;
}

/// :package_id of the resolved project, displayable (GitLab's finder), or its refusal.
std::optional<response> resolve_package(request_context& ctx, const store::txn& t) {
    const auto id = parse_int(ctx.path_param("package_id"));
    if (!id) {
        return bad_params("package_id is invalid");
    }
    std::optional<store::package> p;
    if (*id > 0) {
        p = store::find_package(t, static_cast<std::uint64_t>(*id));
    }
    if (!p || p->project_id != ctx.subject.project->id || !store::displayable(p->status)) {
        return message_response(404, "404 Not found");
    }
    ctx.subject.package = std::move(*p);
    return std::nullopt;
}

} // namespace

std::optional<response> resolve_needs(request_context& ctx, const store::txn& t, const needs& n) {
    ctx.subject = {};
    if (n.signed_in && !ctx.who.signed_in()) {
        return unauthorized();
    }
    if (n.admin && !ctx.who.admin()) {
        return forbidden();
    }
    std::optional<response> refused;
    switch (n.on) {
    case subject::none:
        break;
    case subject::project:
        refused = resolve_project(ctx, t, n);
        break;
    case subject::group:
        refused = resolve_group(ctx, t, n);
        break;
    }
    if (!refused && n.package) {
        refused = resolve_package(ctx, t);
    }
    return refused;
}

} // namespace packyard::routing
