#include "routing/access.hpp"
#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/pagination.hpp"
#include "store/identity.hpp"

namespace packyard::routing::handlers {
namespace {

std::optional<std::uint64_t> positive_id(std::string_view s) {
    auto n = parse_int(s);
    if (!n || *n <= 0) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(*n);
}

} // namespace

outcome current_user(request_context& ctx, const snapshot&) {
    // Route needs: signed in.
    const std::string base = base_of(ctx);
    json_writer w;
    write_user(w, *ctx.who.user, {base}, true, ctx.who.admin());
    return json_response(200, w.take());
}

outcome get_user(request_context& ctx, const snapshot& t) {
    const auto id = positive_id(ctx.path_param("id"));
    std::optional<store::user> u;
    if (id) {
        u = store::find_user(t, *id);
    }
    if (!u) {
        return not_found("User");
    }
    const std::string base = base_of(ctx);
    const bool self = ctx.who.user_id() == u->id;
    json_writer w;
    write_user(w, *u, {base}, self || ctx.who.admin(), ctx.who.admin());
    return json_response(200, w.take());
}

outcome list_users(request_context& ctx, const snapshot& t) {
    validation v;
    const auto pg = read_page_params(ctx.params, v);
    const auto username = string_param(ctx.params, "username", v);
    const auto search = string_param(ctx.params, "search", v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    std::vector<store::user> all;
    if (username) {
        if (auto u = store::find_user_by_username(t, *username)) {
            all.push_back(std::move(*u));
        }
    } else {
        all = store::list_users(t, 0, static_cast<std::size_t>(-1));
        if (search && !search->empty()) {
            const std::string needle = store::lower(*search);
            std::erase_if(all, [&](const store::user& u) {
                return store::lower(u.username).find(needle) == std::string::npos &&
                       store::lower(u.name).find(needle) == std::string::npos &&
                       store::lower(u.email) != needle;
            });
        }
    }
    const std::string base = base_of(ctx);
    return json_page(ctx, all, pg, [&](json_writer& w, const auto& item) {
        write_user(w, item, {base}, ctx.who.admin() || ctx.who.user_id() == item.id,
                   ctx.who.admin());
    });
}

outcome create_user(request_context& ctx, const snapshot&) {
    // Route needs: signed in, admin.
    validation v;
    auto email = required_string(ctx.params, "email", v);
    auto name = required_string(ctx.params, "name", v);
    auto username = required_string(ctx.params, "username", v);
    (void)string_param(ctx.params, "password", v); // accepted and discarded: tokens only
    const auto admin = bool_param(ctx.params, "admin", v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    // app/models/user.rb and its namespace: name and username of at most 255 characters; the
    // email column is varchar(255).
    if (auto err = too_long(
            {{"email", *email, 255}, {"name", *name, 255}, {"username", *username, 255}})) {
        return field_error(err->first, err->second);
    }
    if (!valid_path(*username)) {
        return field_error("username", "can contain only letters, digits, '_', '-' and '.'. "
                                       "Cannot start with '-' or end in '.', '.git' or '.atom'.");
    }
    if (email->find('@') == std::string::npos) {
        return field_error("email", "is invalid");
    }
    auto u = std::make_shared<store::user>();
    u->username = std::move(*username);
    u->name = std::move(*name);
    u->email = std::move(*email);
    u->admin = admin.value_or(false);
    u->created_at = now_ms();
    auto which = std::make_shared<std::string>();
    return then_render(
        [u, which](store::write_txn& t) {
            which->clear();
            return store::create_user(t, *u, which.get());
        },
        [&ctx, u, which](const snapshot&, std::error_code ec) {
            if (ec == store::errc::conflict) {
                return message_response(409, *which == "email" ? "Email has already been taken"
                                                               : "Username has already been taken");
            }
            if (ec) {
                return store_failure("create user", ec);
            }
            const std::string base = base_of(ctx);
            json_writer w;
            write_user(w, *u, {base}, true, true);
            return json_response(201, w.take());
        });
}

} // namespace packyard::routing::handlers
