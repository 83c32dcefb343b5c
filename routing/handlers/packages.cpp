#include "store/packages.hpp"

#include "routing/access.hpp"
#include "routing/auth.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/handlers/package_access.hpp"
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

constexpr std::string_view type_names[] = {"maven",  "npm",      "conan",   "nuget",
                                           "pypi",   "composer", "generic", "golang",
                                           "debian", "rubygems", "helm",    "terraform_module",
                                           "rpm",    "ml_model"};
constexpr std::string_view status_names[] = {
    "default", "hidden", "processing", "error", "pending_destruction", "deprecated"};

struct list_params {
    page_params pg;
    store::list_order order = store::list_order::created_at;
    bool desc = false;
    store::list_filter filter;
    bool exclude_subgroups = false;
    std::string order_text = "created_at";
    std::string sort_text = "asc";
};

/// GitLab's fuzzy search terms: squished, split on spaces, "quoted phrases" kept whole.
std::vector<std::string> search_terms(std::string_view raw) {
    std::vector<std::string> terms;
    std::string squished;
    for (char c : raw) {
        const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
        if (space) {
            if (!squished.empty() && squished.back() != ' ') {
                squished.push_back(' ');
            }
        } else {
            squished.push_back(c);
        }
    }
    while (!squished.empty() && squished.back() == ' ') {
        squished.pop_back();
    }
    std::string_view rest = squished;
    while (!rest.empty()) {
        if (rest.front() == '"') {
            const auto close = rest.find("\" ", 1);
            const bool at_end =
                close == std::string_view::npos && rest.size() > 1 && rest.back() == '"';
            if (close != std::string_view::npos || at_end) {
                const auto end = close != std::string_view::npos ? close : rest.size() - 1;
                terms.emplace_back(rest.substr(1, end - 1));
                rest = end + 2 <= rest.size() ? rest.substr(std::min(end + 2, rest.size()))
                                              : std::string_view{};
                continue;
            }
        }
        const auto sp = rest.find(' ');
        terms.emplace_back(rest.substr(0, sp));
        rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    }
    for (auto& t : terms) {
        t = store::lower(t);
    }
    std::erase_if(terms, [](const std::string& t) { return t.empty(); });
    return terms;
}

std::optional<response> parse_list_params(const request_context& ctx, bool group,
                                          list_params& out) {
    validation v;
    out.pg = read_page_params(ctx.params, v);
    if (group) {
        if (auto b = bool_param(ctx.params, "exclude_subgroups", v)) {
            out.exclude_subgroups = *b;
        }
    }
    std::optional<std::string> order_by;
    if (group) {
        order_by = enum_param(ctx.params, "order_by",
                              {"created_at", "name", "version", "type", "project_path"}, v);
    } else {
        order_by = enum_param(ctx.params, "order_by", {"created_at", "name", "version", "type"}, v);
    }
    const auto sort = enum_param(ctx.params, "sort", {"asc", "desc"}, v);
    const auto type = enum_param(ctx.params, "package_type", type_names, v);
    const auto name = string_param(ctx.params, "package_name", v);
    const auto version = string_param(ctx.params, "package_version", v);
    const auto versionless = bool_param(ctx.params, "include_versionless", v);
    const auto status = enum_param(ctx.params, "status", status_names, v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    out.order_text = order_by.value_or("created_at");
    out.sort_text = sort.value_or("asc");
    out.desc = out.sort_text == "desc";
    if (out.order_text == "name") {
        out.order = store::list_order::name;
    } else if (out.order_text == "version") {
        out.order = store::list_order::version;
    } else if (out.order_text == "type") {
        out.order = store::list_order::type;
    } else if (out.order_text == "project_path") {
        out.order = store::list_order::project_path;
    }
    if (type) {
        out.filter.type = store::parse_package_type(*type);
    }
    if (name) {
        out.filter.name_terms = search_terms(*name);
    }
    if (version && !version->empty()) {
        out.filter.version = *version;
    }
    out.filter.include_versionless = versionless.value_or(false);
    if (status) {
        out.filter.status = store::parse_package_status(*status);
    }
    return std::nullopt;
}

/// Lists one page; a total that only a count can give is taken from, or left in, the cache of
/// list totals (routing/list_totals.hpp).
store::list_page list_page_of(request_context& ctx, const store::txn& t, store::list_query& q) {
    if (!total_needs_count(q)) {
        return store::list_packages(t, q);
    }
    const std::uint64_t generation = store::list_generation(t, q.scope, q.scope_id);
    std::string key = total_key(q);
    auto& totals = *ctx.svc.totals;
    if (auto hit = totals.find(key, generation)) {
        if (hit->total) {
            q.known_total = hit->total;
        } else {
            q.known_over_limit = true;
        }
        return store::list_packages(t, q);
    }
    auto page = store::list_packages(t, q);
    totals.insert(std::move(key), generation, list_total{page.total}, sizeof(list_total));
    return page;
}

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
    store::list_query q;
    q.scope = store::list_scope::project;
    q.scope_id = proj.id;
    q.order = lp.order;
    q.desc = lp.desc;
    q.offset = lp.pg.offset();
    q.limit = lp.pg.per_page;
    q.filter = lp.filter;
    if (q.filter.is_default()) {
        q.known_total = store::default_count(t, store::list_scope::project, proj.id);
    }
    const auto page = list_page_of(ctx, t, q);
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
    const auto& seen = group_package_audience(ctx, t, g, lp.exclude_subgroups);
    store::list_query q;
    q.scope = store::list_scope::group;
    q.scope_id = g.id;
    q.order = lp.order;
    q.desc = lp.desc;
    q.offset = lp.pg.offset();
    q.limit = lp.pg.per_page;
    q.filter = lp.filter;
    const bool everything = seen.allowed.size() == seen.total_projects && !lp.exclude_subgroups;
    if (!everything) {
        q.projects = &seen.allowed;
    }
    // The counters and the class facet are per visibility level, so they answer whenever the
    // caller sees each level of the subtree either whole or not at all.
    if (!lp.exclude_subgroups) {
        bool whole_levels = true;
        for (std::size_t level = 0; level < 3; ++level) {
            if (seen.taken[level] != 0 && seen.taken[level] != seen.seen[level]) {
                whole_levels = false;
            }
        }
        if (whole_levels) {
            const store::visibility_levels levels{seen.taken[0] != 0, seen.taken[1] != 0,
                                                  seen.taken[2] != 0};
            if (!everything) {
                q.levels = levels;
            }
            if (q.filter.is_default()) {
                q.known_total = store::default_count(t, store::list_scope::group, g.id, levels);
            }
        }
    }
    const auto page = list_page_of(ctx, t, q);
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
