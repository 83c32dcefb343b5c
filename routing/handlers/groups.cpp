#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/pagination.hpp"
#include "store/identity.hpp"

#include <algorithm>

namespace packyard::routing::handlers {
namespace {

constexpr std::string_view path_rule =
    "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', "
    "'.git' or '.atom'.";

response group_save_error(std::string_view field, std::string_view text) {
    std::string msg = "Failed to save group {:";
    msg += field;
    msg += "=>[\"";
    msg += text;
    msg += "\"]}";
    return message_response(400, msg);
}

} // namespace

outcome list_groups(request_context& ctx, const snapshot& t) {
    validation v;
    const auto pg = read_page_params(ctx.params, v);
    const auto search = string_param(ctx.params, "search", v);
    const auto all_available = bool_param(ctx.params, "all_available", v);
    const auto top_level = bool_param(ctx.params, "top_level_only", v);
    const auto owned = bool_param(ctx.params, "owned", v);
    const auto order_by =
        enum_param(ctx.params, "order_by", {"name", "path", "id", "similarity"}, v);
    const auto sort = enum_param(ctx.params, "sort", {"asc", "desc"}, v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    // GitLab: admins and anonymous callers see all they may; members see their own groups
    // unless all_available.
    const bool everything =
        ctx.who.admin() || !ctx.who.signed_in() || all_available.value_or(false);
    auto groups = store::list_groups(t);
    std::erase_if(groups, [&](const store::namespace_row& g) {
        if (top_level.value_or(false) && g.parent_id != 0) {
            return true;
        }
        if (search && !search->empty() &&
            store::lower(g.name).find(store::lower(*search)) == std::string::npos &&
            store::lower(g.path).find(store::lower(*search)) == std::string::npos) {
            return true;
        }
        const auto role = group_role(ctx, t, g);
        if (owned.value_or(false)) {
            return !at_least(role, store::access_level::owner) || ctx.who.admin();
        }
        if (everything) {
            return !can_read_group(ctx, t, g);
        }
        return !at_least(role, store::access_level::guest);
    });
    const std::string ob = order_by.value_or("name");
    const bool desc = sort.value_or("asc") == "desc";
    std::stable_sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
        int c = 0;
        if (ob == "id") {
            c = a.id < b.id ? -1 : (a.id > b.id ? 1 : 0);
        } else if (ob == "path") {
            c = a.path.compare(b.path);
        } else {
            c = a.name.compare(b.name);
        }
        if (c == 0) {
            c = a.id < b.id ? -1 : (a.id > b.id ? 1 : 0);
        }
        return desc ? c > 0 : c < 0;
    });
    const std::string base = base_of(ctx);
    return json_page(ctx, groups, pg,
                     [&](json_writer& w, const auto& item) { write_group(w, item, {base}); });
}

outcome get_group(request_context& ctx, const snapshot&) {
    // Route needs: the group.
    const std::string base = base_of(ctx);
    json_writer w;
    write_group(w, *ctx.subject.group, {base});
    return json_response(200, w.take());
}

outcome create_group(request_context& ctx, const snapshot& t) {
    // Route needs: signed in.
    validation v;
    auto name = required_string(ctx.params, "name", v);
    auto path = required_string(ctx.params, "path", v);
    const auto vis = enum_param(ctx.params, "visibility", {"private", "internal", "public"}, v);
    const auto parent_id = int_param(ctx.params, "parent_id", v);
    const auto description = string_param(ctx.params, "description", v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    // app/models/namespace.rb: name, path and description of at most 255 characters.
    if (auto err = too_long({{"name", *name, 255},
                             {"path", *path, 255},
                             {"description", description.value_or(""), 255}})) {
        return group_save_error(err->first, err->second);
    }
    if (!valid_path(*path)) {
        return group_save_error("path", path_rule);
    }
    if (name->empty()) {
        return group_save_error("name", "can't be blank");
    }
    auto g = std::make_shared<store::namespace_row>();
    g->name = std::move(*name);
    g->path = std::move(*path);
    g->description = description.value_or("");
    g->vis = vis ? *store::parse_visibility(*vis) : store::visibility::private_;
    g->created_at = now_ms();
    if (parent_id && *parent_id != 0) {
        auto parent = store::find_namespace(t, static_cast<std::uint64_t>(*parent_id));
        if (!parent || parent->kind != store::namespace_kind::group ||
            !can_read_group(ctx, t, *parent)) {
            return not_found("Group");
        }
        if (!at_least(group_role(ctx, t, *parent), store::access_level::maintainer)) {
            return forbidden();
        }
        if (static_cast<int>(g->vis) > static_cast<int>(parent->vis)) {
            return group_save_error("visibility_level",
                                    std::string(store::visibility_name(g->vis)) +
                                        " is not allowed since the parent group has a " +
                                        std::string(store::visibility_name(parent->vis)) +
                                        " visibility.");
        }
        g->parent_id = parent->id;
    }
    const std::uint64_t creator = ctx.who.user_id();
    return then_render(
        [g, creator](store::write_txn& w) -> std::error_code {
            if (auto e = store::create_group(w, *g)) {
                return e;
            }
            store::member m;
            m.user_id = creator;
            m.access = store::access_level::owner;
            m.created_at = g->created_at;
            m.created_by = creator;
            return store::put_member(w, store::member_source::group, g->id, m, true);
        },
        [&ctx, g](const snapshot&, std::error_code ec) {
            if (ec == store::errc::conflict) {
                return group_save_error("path", "has already been taken");
            }
            if (ec == store::errc::not_found) {
                return not_found("Group");
            }
            if (ec) {
                return store_failure("create group", ec);
            }
            const std::string base = base_of(ctx);
            json_writer w;
            write_group(w, *g, {base});
            return json_response(201, w.take());
        });
}

outcome delete_group(request_context& ctx, const snapshot&) {
    // Route needs: the group, Owner.
    const std::uint64_t id = ctx.subject.group->id;
    return then_render([id](store::write_txn& w) { return store::delete_group(w, id); },
                       [](const snapshot&, std::error_code ec) {
                           if (ec == store::errc::not_empty) {
                               return bad_request(
                                   "Group still has subgroups or projects; delete them first");
                           }
                           if (ec == store::errc::not_found) {
                               return not_found("Group");
                           }
                           if (ec) {
                               return store_failure("delete group", ec);
                           }
                           return accepted();
                       });
}

} // namespace packyard::routing::handlers
