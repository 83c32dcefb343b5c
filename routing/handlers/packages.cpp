#include "store/packages.hpp"

#include "routing/access.hpp"
#include "routing/auth.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/handlers/package_access.hpp"
#include "routing/handlers/package_lists.hpp"
#include "routing/package_entities.hpp"
#include "routing/pagination.hpp"
#include "store/identity.hpp"
#include "store/operations.hpp"
#include "store/page_data.hpp"
#include "store/pipelines.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace packyard::routing::handlers {
namespace {

/// A page of packages as GitLab renders it: each row with its project (the caller's delete
/// right decides its delete link), its build summary and newest pipeline.
response render_list(request_context& ctx, const store::txn& t, const store::list_page& page,
                     const list_params& lp, const store::project* only_project,
                     default_params defaults) {
    const bool group = only_project == nullptr;
    const std::string base = base_of(ctx);
    const auto extras = store::package_page_extras(t, page.rows, only_project);
    // The rows' projects and the caller's delete right in each, read once per project.
    struct project_entry {
        std::uint64_t id;
        std::optional<store::project> project;
        bool destroy = false;
    };
    std::vector<project_entry> projects;
    auto project_of = [&](std::uint64_t id) -> project_entry& {
        for (auto& e : projects) {
            if (e.id == id) {
                return e;
            }
        }
        auto& e = projects.emplace_back();
        e.id = id;
        e.project = only_project != nullptr && only_project->id == id
                        ? std::optional<store::project>(*only_project)
                        : store::find_project(t, id);
        e.destroy = e.project &&
                    at_least(project_role(ctx, t, *e.project), store::access_level::maintainer);
        return e;
    };
    entity_renderer render(extras.refs, base);
    json_writer w;
    w.begin_array();
    for (std::size_t i = 0; i < page.rows.size(); ++i) {
        const auto& pkg = page.rows[i];
        const auto& e = project_of(pkg.project_id);
        if (!e.project) {
            continue;
        }
        render.write_package(w, package_view{pkg, *e.project, e.destroy, group, extras.builds[i],
                                             extras.newest(i), nullptr, extras.tags[i]});
    }
    w.end_array();
    response r = json_response(200, w.take());
    set_offset_headers(r, ctx, lp.pg, page.total, page.has_more, defaults);
    return r;
}

} // namespace

outcome list_project_packages(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_packages.
    // A kept answer was looked for before the needs (list_pages.hpp): this one is rendered.
    const auto& proj = *ctx.subject.project;
    const auto generation = store::list_generation(t, store::list_scope::project, proj.id);
    list_params lp;
    if (auto err = parse_list_params(ctx, false, lp)) {
        return std::move(*err);
    }
    const auto page = project_list_page(ctx, t, proj, lp);
    return keep_list_answer(
        ctx, store::list_scope::project, proj.id, generation,
        render_list(ctx, t, page, lp, &proj, {{"order_by", "created_at"}, {"sort", "asc"}}));
}

outcome list_group_packages(request_context& ctx, const snapshot& t) {
    // Route needs: the group.
    // A kept answer was looked for before the needs (list_pages.hpp): this one is rendered.
    const auto& g = *ctx.subject.group;
    const auto generation = store::list_generation(t, store::list_scope::group, g.id);
    list_params lp;
    if (auto err = parse_list_params(ctx, true, lp)) {
        return std::move(*err);
    }
    const auto page = group_list_page(ctx, t, g, lp);
    return keep_list_answer(
        ctx, store::list_scope::group, g.id, generation,
        render_list(ctx, t, page, lp, nullptr,
                    {{"exclude_subgroups", "false"}, {"order_by", "created_at"}, {"sort", "asc"}}));
}

outcome get_package(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_packages, the package.
    const auto& proj = *ctx.subject.project;
    const auto& p = *ctx.subject.package;
    if (!store::detailed_info(p.status)) {
        return message_response(404, "Package not found");
    }
    const std::string base = base_of(ctx);
    const bool destroy = at_least(project_role(ctx, t, proj), store::access_level::maintainer);
    auto extras = store::package_page_extras(t, std::span(&p, 1), &proj);
    const auto versions = store::versions_of(t, p, extras.refs);
    entity_renderer render(extras.refs, base);
    json_writer w;
    render.write_package(w, package_view{p, proj, destroy, false, extras.builds[0],
                                         extras.newest(0), &versions, extras.tags[0]});
    return json_response(200, w.take());
}

outcome list_package_pipelines(request_context& ctx, const snapshot& t) {
    // Route needs: the project, read_packages, the package.
    const auto& p = *ctx.subject.package;
    if (!store::detailed_info(p.status)) {
        return not_found("Package not found");
    }
    validation v;
    std::int64_t per_page = 20;
    if (ctx.params.find("per_page") != nullptr) {
        if (auto n = int_param(ctx.params, "per_page", v)) {
            if (*n < 1 || *n > 20) {
                v.add("per_page does not have a valid value");
            } else {
                per_page = *n;
            }
        }
    }
    const auto cursor = string_param(ctx.params, "cursor", v);
    (void)int_param(ctx.params, "page", v);
    const auto order_by = string_param(ctx.params, "order_by", v);
    const auto sort = string_param(ctx.params, "sort", v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    if ((order_by && *order_by != "id") || (sort && *sort != "desc")) {
        return error_response(405,
                              "Keyset pagination is not yet available for this type of request");
    }
    // Cursor: URL-safe base64 of {"id":"<build info id>","_kd":"n"|"p"}.
    std::uint64_t cursor_id = 0;
    bool previous = false;
    if (cursor && !cursor->empty()) {
        std::string b64 = *cursor;
        for (char& c : b64) {
            c = c == '-' ? '+' : (c == '_' ? '/' : c);
        }
        while (b64.size() % 4 != 0) {
            b64.push_back('=');
        }
        param_map cur;
        const auto json = base64_decode(b64);
        if (!json || !parse_json_object(*json, cur)) {
            return bad_params("cursor is invalid");
        }
        validation cv;
        const auto id = int_param(cur, "id", cv);
        if (!id || !cv.ok() || *id < 0) {
            return bad_params("cursor is invalid");
        }
        cursor_id = static_cast<std::uint64_t>(*id);
        if (const auto* kd = cur.find("_kd"); kd != nullptr && kd->text == "p") {
            previous = true;
        }
    }
    std::vector<store::build_info> rows;
    bool more = false;
    auto all = store::build_infos(t, p.id); // newest first
    std::erase_if(all, [](const store::build_info& b) { return b.pipeline_id == 0; });
    const auto limit = static_cast<std::size_t>(per_page);
    if (previous) {
        // The rows just above the cursor, still newest first.
        std::vector<store::build_info> above;
        for (const auto& b : all) {
            if (b.id > cursor_id) {
                above.push_back(b);
            }
        }
        const std::size_t start = above.size() > limit ? above.size() - limit : 0;
        rows.assign(above.begin() + static_cast<std::ptrdiff_t>(start), above.end());
        more = cursor_id != 0 && std::any_of(all.begin(), all.end(),
                                             [&](const auto& b) { return b.id <= cursor_id; });
    } else {
        for (const auto& b : all) {
            if (cursor_id != 0 && b.id >= cursor_id) {
                continue;
            }
            if (rows.size() == limit) {
                more = true;
                break;
            }
            rows.push_back(b);
        }
    }
    std::vector<store::pipeline> pipelines;
    store::pipeline_refs refs;
    for (const auto& b : rows) {
        if (auto pl = store::find_pipeline(t, b.pipeline_id)) {
            refs.add(t, *pl);
            pipelines.push_back(std::move(*pl));
        }
    }
    std::sort(pipelines.begin(), pipelines.end(),
              [](const auto& a, const auto& b) { return a.id > b.id; });
    const std::string base = base_of(ctx);
    entity_renderer render(refs, base);
    json_writer w;
    w.begin_array();
    for (const auto& pl : pipelines) {
        render.write_pipeline(w, pl);
    }
    w.end_array();
    response r = json_response(200, w.take());
    if (more && !rows.empty()) {
        json_writer cw;
        cw.begin_object()
            .field("id", std::to_string(rows.back().id))
            .field("_kd", "n")
            .end_object();
        std::string next = base64url_encode(cw.take());
        r.set_header("Link", "<" +
                                 page_url(ctx, {{"per_page", std::to_string(per_page)}},
                                          {{"cursor", next}}) +
                                 ">; rel=\"next\"");
    }
    return r;
}

outcome delete_package(request_context& ctx, const snapshot&) {
    // Route needs: the project, read_packages, Maintainer, the package.
    const auto& p = *ctx.subject.package;
    if (auto stale = modified_since(ctx, p.updated_at)) {
        return std::move(*stale);
    }
    return destroy(
        ctx, [id = p.id](store::write_txn& w) { return store::destroy_package(w, id); },
        "delete package", message_response(404, "404 Not found"));
}

} // namespace packyard::routing::handlers
