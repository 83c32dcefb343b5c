#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/pagination.hpp"
#include "store/identity.hpp"

namespace packyard::routing::handlers {
namespace {

// A project or a group as a member source, with the caller's level in it.
struct source {
    store::member_source kind;
    std::uint64_t id;
    store::access_level role;
};

std::variant<source, response> resolve(request_context& ctx, store::member_source kind) {
    if (kind == store::member_source::project) {
        auto found = find_readable_project(ctx);
        if (auto* err = std::get_if<response>(&found)) {
            return std::move(*err);
        }
        const auto& p = std::get<store::project>(found);
        return source{kind, p.id, project_role(ctx, p)};
    }
    auto found = find_readable_group(ctx);
    if (auto* err = std::get_if<response>(&found)) {
        return std::move(*err);
    }
    const auto& g = std::get<store::namespace_row>(found);
    return source{kind, g.id, group_role(ctx, g)};
}

std::optional<std::uint64_t> user_id_param(request_context& ctx) {
    auto n = parse_int(ctx.path_param("user_id"));
    if (!n || *n <= 0) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(*n);
}

response list(request_context& ctx, store::member_source kind) {
    auto s = resolve(ctx, kind);
    if (auto* err = std::get_if<response>(&s)) {
        return std::move(*err);
    }
    const auto& src = std::get<source>(s);
    validation v;
    const auto pg = read_page_params(ctx.params, v);
    const auto query = string_param(ctx.params, "query", v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    const auto& t = ctx.rtxn();
    std::vector<std::pair<store::user, store::member>> rows;
    for (auto& m : store::list_members(t, src.kind, src.id)) {
        auto u = store::find_user(t, m.user_id);
        if (!u) {
            continue;
        }
        if (query && !query->empty() &&
            store::lower(u->username).find(store::lower(*query)) == std::string::npos &&
            store::lower(u->name).find(store::lower(*query)) == std::string::npos) {
            continue;
        }
        rows.emplace_back(std::move(*u), std::move(m));
    }
    const std::string base = base_of(ctx);
    return json_page(ctx, rows, pg, [&](json_writer& w, const auto& item) {
        write_member(w, item.first, item.second, {base});
    });
}

response get_one(request_context& ctx, store::member_source kind) {
    auto s = resolve(ctx, kind);
    if (auto* err = std::get_if<response>(&s)) {
        return std::move(*err);
    }
    const auto& src = std::get<source>(s);
    const auto uid = user_id_param(ctx);
    const auto& t = ctx.rtxn();
    std::optional<store::member> m;
    std::optional<store::user> u;
    if (uid) {
        m = store::find_member(t, src.kind, src.id, *uid);
        u = store::find_user(t, *uid);
    }
    if (!m || !u) {
        return not_found("Member");
    }
    const std::string base = base_of(ctx);
    json_writer w;
    write_member(w, *u, *m, {base});
    return json_response(200, w.take());
}

/// Maintainers manage members; only owners grant or touch the owner level (GitLab's rule).
bool may_manage(const source& src, store::access_level target) {
    if (!at_least(src.role, store::access_level::maintainer)) {
        return false;
    }
    return target != store::access_level::owner || at_least(src.role, store::access_level::owner);
}

task upsert(request_context& ctx, store::member_source kind, bool edit) {
    if (!ctx.who.signed_in()) {
        co_return unauthorized();
    }
    auto s = resolve(ctx, kind);
    if (auto* err = std::get_if<response>(&s)) {
        co_return std::move(*err);
    }
    const auto src = std::get<source>(s);
    validation v;
    std::optional<std::int64_t> uid;
    if (edit) {
        if (auto p = user_id_param(ctx)) {
            uid = static_cast<std::int64_t>(*p);
        }
    } else {
        if (ctx.params.find("user_id") == nullptr) {
            v.add("user_id is missing");
        } else {
            uid = int_param(ctx.params, "user_id", v);
        }
    }
    std::optional<store::access_level> level;
    if (ctx.params.find("access_level") == nullptr) {
        v.add("access_level is missing");
    } else if (auto a = int_param(ctx.params, "access_level", v)) {
        level = store::access_level_from_int(*a);
        if (!level) {
            v.add("access_level does not have a valid value");
        }
    }
    const auto expires = string_param(ctx.params, "expires_at", v);
    if (expires && !expires->empty() && !parse_date(*expires)) {
        v.add("expires_at is invalid");
    }
    if (!v.ok()) {
        co_return bad_params(v.message());
    }
    if (!may_manage(src, *level)) {
        co_return forbidden();
    }
    auto u = uid && *uid > 0 ? store::find_user(ctx.rtxn(), static_cast<std::uint64_t>(*uid))
                             : std::nullopt;
    if (!u) {
        co_return not_found(edit ? "Member" : "User");
    }
    auto existing = store::find_member(ctx.rtxn(), src.kind, src.id, u->id);
    if (edit && !existing) {
        co_return not_found("Member");
    }
    if (existing && !may_manage(src, existing->access)) {
        co_return forbidden();
    }
    store::member m = existing.value_or(store::member{});
    m.user_id = u->id;
    m.access = *level;
    if (!edit) {
        m.created_at = now_ms();
        m.created_by = ctx.who.user_id();
    }
    if (expires) {
        m.expires_at = expires->empty() ? std::nullopt : std::optional<std::string>(*expires);
    }
    ctx.release_read();
    const auto ec = co_await ctx.svc.writer.run(
        [&](store::write_txn& t) { return store::put_member(t, src.kind, src.id, m, edit); });
    if (ec == store::errc::conflict) {
        co_return message_response(409, "Member already exists");
    }
    if (ec) {
        co_return store_failure("save member", ec);
    }
    const std::string base = base_of(ctx);
    json_writer w;
    write_member(w, *u, m, {base});
    co_return json_response(edit ? 200 : 201, w.take());
}

task remove(request_context& ctx, store::member_source kind) {
    if (!ctx.who.signed_in()) {
        co_return unauthorized();
    }
    auto s = resolve(ctx, kind);
    if (auto* err = std::get_if<response>(&s)) {
        co_return std::move(*err);
    }
    const auto src = std::get<source>(s);
    const auto uid = user_id_param(ctx);
    std::optional<store::member> existing;
    if (uid) {
        existing = store::find_member(ctx.rtxn(), src.kind, src.id, *uid);
    }
    // Members may leave on their own; others need to manage members.
    const bool self = uid && *uid == ctx.who.user_id();
    if (!self && !at_least(src.role, store::access_level::maintainer)) {
        co_return forbidden();
    }
    if (!existing) {
        co_return not_found("Member");
    }
    if (!self && !may_manage(src, existing->access)) {
        co_return forbidden();
    }
    ctx.release_read();
    const auto ec = co_await ctx.svc.writer.run(
        [&](store::write_txn& t) { return store::remove_member(t, src.kind, src.id, *uid); });
    if (ec == store::errc::not_found) {
        co_return not_found("Member");
    }
    if (ec) {
        co_return store_failure("remove member", ec);
    }
    co_return no_content();
}

} // namespace

response list_project_members(request_context& ctx) {
    return list(ctx, store::member_source::project);
}
response get_project_member(request_context& ctx) {
    return get_one(ctx, store::member_source::project);
}
task add_project_member(request_context& ctx) {
    return upsert(ctx, store::member_source::project, false);
}
task edit_project_member(request_context& ctx) {
    return upsert(ctx, store::member_source::project, true);
}
task remove_project_member(request_context& ctx) {
    return remove(ctx, store::member_source::project);
}
response list_group_members(request_context& ctx) {
    return list(ctx, store::member_source::group);
}
response get_group_member(request_context& ctx) {
    return get_one(ctx, store::member_source::group);
}
task add_group_member(request_context& ctx) {
    return upsert(ctx, store::member_source::group, false);
}
task edit_group_member(request_context& ctx) {
    return upsert(ctx, store::member_source::group, true);
}
task remove_group_member(request_context& ctx) {
    return remove(ctx, store::member_source::group);
}

} // namespace packyard::routing::handlers
