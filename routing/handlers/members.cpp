#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/pagination.hpp"
#include "store/identity.hpp"

namespace packyard::routing::handlers {
namespace {

// The route's project or group as a member source, with the caller's level in it.
struct source {
    store::member_source kind;
    std::uint64_t id;
    store::access_level role;
};

source source_of(const request_context& ctx, const store::txn& t) {
    if (ctx.subject.project) {
        return {store::member_source::project, ctx.subject.project->id,
                project_role(ctx, t, *ctx.subject.project)};
    }
    return {store::member_source::group, ctx.subject.group->id,
            group_role(ctx, t, *ctx.subject.group)};
}

std::optional<std::uint64_t> user_id_param(const request_context& ctx) {
    auto n = parse_int(ctx.path_param("user_id"));
    if (!n || *n <= 0) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(*n);
}

/// Maintainers manage members; only owners grant or touch the owner level (GitLab's rule).
bool may_manage(const source& src, store::access_level target) {
    if (!at_least(src.role, store::access_level::maintainer)) {
        return false;
    }
    return target != store::access_level::owner || at_least(src.role, store::access_level::owner);
}

outcome upsert(request_context& ctx, const store::txn& t, bool edit) {
    // Route needs: signed in, the project or group.
    const auto src = source_of(ctx, t);
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
        return bad_params(v.message());
    }
    if (!may_manage(src, *level)) {
        return forbidden();
    }
    auto u = uid && *uid > 0 ? store::find_user(t, static_cast<std::uint64_t>(*uid)) : std::nullopt;
    if (!u) {
        return not_found(edit ? "Member" : "User");
    }
    auto existing = store::find_member(t, src.kind, src.id, u->id);
    if (edit && !existing) {
        return not_found("Member");
    }
    if (existing && !may_manage(src, existing->access)) {
        return forbidden();
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
    return then_render(
        [src, m, edit](store::write_txn& w) {
            return store::put_member(w, src.kind, src.id, m, edit);
        },
        [&ctx, user = std::move(*u), m, edit](const store::read_txn&, std::error_code ec) {
            if (ec == store::errc::conflict) {
                return message_response(409, "Member already exists");
            }
            if (ec) {
                return store_failure("save member", ec);
            }
            const std::string base = base_of(ctx);
            json_writer w;
            write_member(w, user, m, {base});
            return json_response(edit ? 200 : 201, w.take());
        });
}

} // namespace

outcome list_members(request_context& ctx, const snapshot& t) {
    // Route needs: the project or group.
    const auto src = source_of(ctx, t);
    validation v;
    const auto pg = read_page_params(ctx.params, v);
    const auto query = string_param(ctx.params, "query", v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
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

outcome get_member(request_context& ctx, const snapshot& t) {
    // Route needs: the project or group.
    const auto src = source_of(ctx, t);
    const auto uid = user_id_param(ctx);
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

outcome add_member(request_context& ctx, const snapshot& t) {
    return upsert(ctx, t, false);
}

outcome edit_member(request_context& ctx, const snapshot& t) {
    return upsert(ctx, t, true);
}

outcome remove_member(request_context& ctx, const snapshot& t) {
    // Route needs: signed in, the project or group.
    const auto src = source_of(ctx, t);
    const auto uid = user_id_param(ctx);
    std::optional<store::member> existing;
    if (uid) {
        existing = store::find_member(t, src.kind, src.id, *uid);
    }
    // Members may leave on their own; others need to manage members.
    const bool self = uid && *uid == ctx.who.user_id();
    if (!self && !at_least(src.role, store::access_level::maintainer)) {
        return forbidden();
    }
    if (!existing) {
        return not_found("Member");
    }
    if (!self && !may_manage(src, existing->access)) {
        return forbidden();
    }
    return then_render(
        [src, id = *uid](store::write_txn& w) {
            return store::remove_member(w, src.kind, src.id, id);
        },
        [](const store::read_txn&, std::error_code ec) {
            if (ec == store::errc::not_found) {
                return not_found("Member");
            }
            if (ec) {
                return store_failure("remove member", ec);
            }
            return no_content();
        });
}

} // namespace packyard::routing::handlers
