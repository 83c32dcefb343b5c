#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/pagination.hpp"
#include "store/identity.hpp"
#include "store/operations.hpp"

#include <algorithm>

namespace packyard::routing::handlers {
namespace {

/// GitLab derives a path from a name: lower-case, runs of other characters become '-'.
std::string path_from_name(std::string_view name) {
    std::string out;
    for (const char c : name) {
        const bool keep =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (c >= 'A' && c <= 'Z') {
            out.push_back(static_cast<char>(c - 'A' + 'a'));
        } else if (keep) {
            out.push_back(c);
        } else if (!out.empty() && out.back() != '-') {
            out.push_back('-');
        }
    }
    while (!out.empty() && (out.back() == '-' || out.back() == '.')) {
        out.pop_back();
    }
    while (!out.empty() && (out.front() == '-' || out.front() == '.')) {
        out.erase(out.begin());
    }
    return out;
}

} // namespace

outcome list_projects(request_context& ctx, const snapshot& t) {
    validation v;
    const auto pg = read_page_params(ctx.params, v);
    const auto search = string_param(ctx.params, "search", v);
    const auto vis = enum_param(ctx.params, "visibility", {"private", "internal", "public"}, v);
    const auto membership = bool_param(ctx.params, "membership", v);
    const auto owned = bool_param(ctx.params, "owned", v);
    const auto order_by = enum_param(
        ctx.params, "order_by",
        {"id", "name", "path", "created_at", "updated_at", "last_activity_at", "similarity"}, v);
    const auto sort = enum_param(ctx.params, "sort", {"asc", "desc"}, v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    const bool desc = sort.value_or("desc") == "desc";
    auto projects = store::list_projects(t, 0, static_cast<std::size_t>(-1), false);
    std::erase_if(projects, [&](const store::project& p) {
        if (vis && store::visibility_name(p.vis) != *vis) {
            return true;
        }
        if (search && !search->empty() &&
            store::lower(p.name).find(store::lower(*search)) == std::string::npos &&
            store::lower(p.path).find(store::lower(*search)) == std::string::npos) {
            return true;
        }
        if (owned.value_or(false) || membership.value_or(false)) {
            const auto role = ctx.who.signed_in() ? store::project_access(t, p, ctx.who.user_id())
                                                  : store::access_level::none;
            return !at_least(role, owned.value_or(false) ? store::access_level::owner
                                                         : store::access_level::guest);
        }
        return !can_read_project(ctx, t, p);
    });
    const std::string ob = order_by.value_or("created_at");
    std::stable_sort(projects.begin(), projects.end(), [&](const auto& a, const auto& b) {
        int c = 0;
        if (ob == "name") {
            c = a.name.compare(b.name);
        } else if (ob == "path") {
            c = a.path.compare(b.path);
        }
        if (c == 0) {
            c = a.id < b.id ? -1 : (a.id > b.id ? 1 : 0);
        }
        return desc ? c > 0 : c < 0;
    });
    const std::string base = base_of(ctx);
    json_writer w;
    w.begin_array();
    for (std::size_t i = pg.offset(); i < projects.size() && i < pg.offset() + pg.per_page; ++i) {
        write_project(w, project_data::of(t, projects[i]), {base});
    }
    w.end_array();
    response r = json_response(200, w.take());
    set_offset_headers(r, ctx, pg, projects.size(), false,
                       {{"order_by", "created_at"}, {"sort", "desc"}});
    return r;
}

outcome get_project(request_context& ctx, const snapshot& t) {
    // Route needs: the project.
    const std::string base = base_of(ctx);
    json_writer w;
    write_project(w, project_data::of(t, *ctx.subject.project), {base});
    return json_response(200, w.take());
}

outcome create_project(request_context& ctx, const snapshot& t) {
    // Route needs: signed in.
    validation v;
    auto name = string_param(ctx.params, "name", v);
    auto path = string_param(ctx.params, "path", v);
    const auto ns_id = int_param(ctx.params, "namespace_id", v);
    const auto vis = enum_param(ctx.params, "visibility", {"private", "internal", "public"}, v);
    const auto description = string_param(ctx.params, "description", v);
    if (v.ok() && (!name || name->empty()) && (!path || path->empty())) {
        v.add("name, path are missing, at least one parameter must be provided");
    }
    if (!v.ok()) {
        return bad_params(v.message());
    }
    auto p = std::make_shared<store::project>();
    p->name = name && !name->empty() ? *name : *path;
    p->path = path && !path->empty() ? *path : path_from_name(*name);
    // app/models/project.rb: name and path of at most 255 characters, description 2,000.
    if (auto err = too_long({{"name", p->name, 255},
                             {"path", p->path, 255},
                             {"description", description.value_or(""), 2000}})) {
        return field_error(err->first, err->second);
    }
    if (!valid_path(p->path)) {
        return field_error("path", "can contain only letters, digits, '_', '-' and '.'. "
                                   "Cannot start with '-' or end in '.', '.git' or '.atom'.");
    }
    p->description = description.value_or("");
    p->vis = vis ? *store::parse_visibility(*vis) : store::visibility::private_;
    p->creator_id = ctx.who.user_id();
    p->created_at = now_ms();
    std::optional<store::namespace_row> ns;
    if (ns_id) {
        ns =
            store::find_namespace(t, static_cast<std::uint64_t>(std::max<std::int64_t>(*ns_id, 0)));
    } else {
        ns = store::find_namespace(t, ctx.who.user->namespace_id);
    }
    if (!ns) {
        return not_found("Namespace");
    }
    if (ns->kind == store::namespace_kind::group) {
        if (!can_read_group(ctx, t, *ns)) {
            return not_found("Namespace");
        }
        if (!at_least(group_role(ctx, t, *ns), store::access_level::developer)) {
            return forbidden();
        }
        if (static_cast<int>(p->vis) > static_cast<int>(ns->vis)) {
            return field_error("visibility_level",
                               std::string(store::visibility_name(p->vis)) +
                                   " is not allowed in a " +
                                   std::string(store::visibility_name(ns->vis)) + " group.");
        }
    } else if (ns->owner_id != ctx.who.user_id() && !ctx.who.admin()) {
        return forbidden();
    }
    p->namespace_id = ns->id;
    const bool add_owner =
        ns->kind == store::namespace_kind::group &&
        !at_least(store::group_access(t, ns->id, ctx.who.user_id()), store::access_level::owner);
    return then_render(
        [p, add_owner](store::write_txn& w) -> std::error_code {
            if (auto e = store::create_project(w, *p)) {
                return e;
            }
            if (!add_owner) {
                return {};
            }
            store::member m;
            m.user_id = p->creator_id;
            m.access = store::access_level::owner;
            m.created_at = p->created_at;
            m.created_by = p->creator_id;
            return store::put_member(w, store::member_source::project, p->id, m, true);
        },
        [&ctx, p](const snapshot& after, std::error_code ec) {
            if (ec == store::errc::conflict) {
                json_writer w;
                w.begin_object().key("message").begin_object();
                w.key("project_namespace.name")
                    .begin_array()
                    .str("has already been taken")
                    .end_array();
                w.key("name").begin_array().str("has already been taken").end_array();
                w.key("path").begin_array().str("has already been taken").end_array();
                w.end_object().end_object();
                return json_response(400, w.take());
            }
            if (ec) {
                return store_failure("create project", ec);
            }
            const std::string base = base_of(ctx);
            json_writer w;
            write_project(w, project_data::of(after, *p), {base});
            return json_response(201, w.take());
        });
}

outcome delete_project(request_context& ctx, const snapshot&) {
    // Route needs: the project, Owner. Its packages, files, pipelines and blobs go with it.
    const std::uint64_t id = ctx.subject.project->id;
    store::blob_store& blobs = *ctx.svc.blobs;
    return then_render(
        [id, &blobs](store::write_txn& w) { return store::delete_project_cascade(w, blobs, id); },
        [](const snapshot&, std::error_code ec) {
            if (ec == store::errc::not_found) {
                return not_found("Project");
            }
            if (ec) {
                return store_failure("delete project", ec);
            }
            return accepted();
        });
}

} // namespace packyard::routing::handlers
