// GitLab's npm registry reads and tags (lib/api/concerns/packages/npm_endpoints.rb,
// lib/api/npm_project_packages.rb): the packument, dist-tags, the audit endpoints and tarballs.
// Publishing is in npm_publish.cpp.

#include "store/npm.hpp"

#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/handlers/npm_scope.hpp"
#include "routing/handlers/package_access.hpp"
#include "routing/npm/packument.hpp"
#include "routing/npm/responses.hpp"
#include "store/packages.hpp"

#include <rapidjson/document.h>

namespace packyard::routing::handlers {
namespace {

/// A quoted ETag naming everything the bytes depend on: the generation of (project, name),
/// the form, and the tarball prefix (which follows the Host header).
std::string packument_etag(std::uint64_t generation, bool full, std::string_view prefix) {
    std::uint64_t h = 1469598103934665603ULL; // FNV-1a of the prefix
    for (char c : prefix) {
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    char buf[64];
    const int n = std::snprintf(buf, sizeof buf, "\"%llx-%c-%llx\"",
                                static_cast<unsigned long long>(generation), full ? 'f' : 'a',
                                static_cast<unsigned long long>(h));
    return std::string(buf, static_cast<std::size_t>(n));
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    // A list of tags, possibly weak ("W/"), or "*".
    while (!if_none_match.empty()) {
        const auto comma = if_none_match.find(',');
        auto item = store::trim_ows(if_none_match.substr(0, comma));
        if (item.starts_with("W/")) {
            item.remove_prefix(2);
        }
        if (item == "*" || item == etag) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        if_none_match.remove_prefix(comma + 1);
    }
    return false;
}

} // namespace

outcome npm_packument(request_context& ctx, const snapshot& t) {
    auto name = npm_package_name(ctx);
    if (auto* err = std::get_if<response>(&name)) {
        return std::move(*err);
    }
    const auto& package_name = std::get<std::string>(name);
    auto target = npm_project(ctx, t, package_name, true);
    if (auto* err = std::get_if<response>(&target)) {
        return std::move(*err);
    }
    const auto& tg = std::get<npm_target>(target);
    const auto state = store::npm_name(t, tg.project.id, package_name);
    if (!state || state->last_installable == 0) {
        // No forwarding to registry.npmjs.org: an unknown name is not found (dependency
        // confusion, docs/decisions/0011-npm-registry.md).
        return npm::not_found("Packages");
    }
    const auto form = npm::form_for(ctx.req.header("Accept"));
    const bool full = form == npm::packument_form::full;
    response r;
    const auto etag = packument_etag(state->generation, full, tg.tarball_prefix);
    r.set_header("ETag", etag);
    r.set_header("Vary", "Accept");
    if (const auto inm = ctx.req.header("If-None-Match"); !inm.empty() && etag_matches(inm, etag)) {
        r.status = 304;
        r.content_type.clear();
        return r;
    }
    auto& cache = *ctx.svc.packuments;
    const auto key = npm::packument_key(tg.project.id, package_name, full, tg.tarball_prefix);
    r.shared = cache.find(key, state->generation);
    if (!r.shared) {
        auto body = std::make_shared<const shared_body>(npm::render_packument(
            package_name, store::npm_versions_of(t, tg.project.id, package_name), tg.tarball_prefix,
            form));
        cache.insert(key, state->generation, body);
        r.shared = std::move(body);
    }
    return r;
}

outcome npm_dist_tags(request_context& ctx, const snapshot& t) {
    auto name = npm_package_name(ctx);
    if (auto* err = std::get_if<response>(&name)) {
        return std::move(*err);
    }
    const auto& package_name = std::get<std::string>(name);
    if (package_name.empty()) {
        return npm::missing_attribute("Package Name");
    }
    auto target = npm_project(ctx, t, package_name, true);
    if (auto* err = std::get_if<response>(&target)) {
        return std::move(*err);
    }
    const auto versions =
        store::npm_versions_of(t, std::get<npm_target>(target).project.id, package_name);
    if (versions.empty()) {
        return npm::not_found("Package");
    }
    return json_response(200, npm::render_dist_tags(versions));
}

outcome npm_set_dist_tag(request_context& ctx, const snapshot& t) {
    auto name = npm_package_name(ctx);
    if (auto* err = std::get_if<response>(&name)) {
        return std::move(*err);
    }
    const auto& package_name = std::get<std::string>(name);
    // The body is the version as a JSON string ("1.0.0"), as Grape's JSON parser hands it over.
    std::string version;
    if (!ctx.req.body.empty()) {
        rapidjson::Document doc;
        doc.Parse(ctx.req.body.data(), ctx.req.body.size());
        if (doc.HasParseError()) {
            return bad_request("invalid request body");
        }
        if (doc.IsString()) {
            version.assign(doc.GetString(), doc.GetStringLength());
        } else if (!doc.IsNull()) {
            version = "\x01"; // present but not a version: no package matches it
        }
    }
    const std::string tag = ctx.path_param("tag");
    if (package_name.empty()) {
        return npm::missing_attribute("Package Name");
    }
    if (store::trim_ows(version).empty()) {
        return npm::missing_attribute("Version");
    }
    if (store::trim_ows(tag).empty()) {
        return npm::missing_attribute("Tag");
    }
    auto target = npm_project(ctx, t, package_name, false);
    if (auto* err = std::get_if<response>(&target)) {
        return std::move(*err);
    }
    const auto& proj = std::get<npm_target>(target).project;
    if (!proj.packages_enabled ||
        !at_least(project_role(ctx, t, proj), store::access_level::developer)) {
        return forbidden(); // create_package
    }
    const auto matching = store::npm_packages_of_version(t, proj.id, package_name, version);
    if (matching.empty()) {
        return npm::not_found("Package");
    }
    return then_render([pkg = matching.back(), tag, now = now_ms()](
                           store::write_txn& w) { return store::set_tag(w, pkg, tag, now); },
                       [](const snapshot&, std::error_code ec) {
                           return ec ? store_failure("npm dist-tag", ec) : no_content();
                       });
}

outcome npm_delete_dist_tag(request_context& ctx, const snapshot& t) {
    auto name = npm_package_name(ctx);
    if (auto* err = std::get_if<response>(&name)) {
        return std::move(*err);
    }
    const auto& package_name = std::get<std::string>(name);
    const std::string tag = ctx.path_param("tag");
    if (package_name.empty()) {
        return npm::missing_attribute("Package Name");
    }
    if (store::trim_ows(tag).empty()) {
        return npm::missing_attribute("Tag");
    }
    auto target = npm_project(ctx, t, package_name, false);
    if (auto* err = std::get_if<response>(&target)) {
        return std::move(*err);
    }
    const auto& proj = std::get<npm_target>(target).project;
    if (!at_least(project_role(ctx, t, proj), store::access_level::maintainer)) {
        return forbidden(); // destroy_package
    }
    if (!store::tagged_package(t, proj.id, store::package_type::npm, package_name, tag)) {
        return npm::not_found("Package tag");
    }
    return then_render(
        [project = proj.id, package_name, tag](store::write_txn& w) {
            return store::delete_tag(w, project, store::package_type::npm, package_name, tag);
        },
        [](const snapshot&, std::error_code ec) {
            if (ec == store::errc::not_found) {
                return npm::not_found("Package tag"); // removed by a concurrent request
            }
            return ec ? store_failure("npm dist-tag delete", ec) : no_content();
        });
}

outcome npm_audit(request_context& ctx, const snapshot& t) {
    // No forwarding: an empty report, so `npm install` and `npm audit` stay quiet. GitLab
    // answers 404 "Project not found" at group and instance level (no package name to find a
    // project by); packyard answers there as at project level once the group is readable.
    // The route's needs resolved the project (packages readable) or the group.
    (void)ctx;
    (void)t;
    return json_response(200, "[]");
}

outcome npm_tarball(request_context& ctx, const snapshot& t) {
    const std::string package_name = ctx.path_param("package_name");
    const std::string file_name = ctx.path_param("file_name");
    auto target = npm_project(ctx, t, package_name, false);
    if (auto* err = std::get_if<response>(&target)) {
        return std::move(*err);
    }
    const auto& proj = std::get<npm_target>(target).project;
    auto found = store::find_npm_tarball(t, proj.id, package_name, file_name);
    if (!found) {
        return message_response(404, "404 Not found"); // ActiveRecord::RecordNotFound
    }
    return send_file(ctx, found->pkg, found->file);
}

} // namespace packyard::routing::handlers
