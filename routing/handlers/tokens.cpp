#include "routing/handlers/common.hpp"
#include "routing/handlers/handlers.hpp"
#include "routing/pagination.hpp"
#include "store/crypto.hpp"
#include "store/identity.hpp"

namespace packyard::routing::handlers {

outcome create_user_token(request_context& ctx, const snapshot& t) {
    // Route needs: signed in, admin.
    const auto user_id = parse_int(ctx.path_param("user_id"));
    if (!user_id || *user_id <= 0 || !store::find_user(t, static_cast<std::uint64_t>(*user_id))) {
        return not_found("User");
    }
    validation v;
    auto name = required_string(ctx.params, "name", v);
    std::uint32_t scopes = 0;
    const param_value* sp = ctx.params.find("scopes");
    if (sp == nullptr || sp->kind == param_value::shape::null ||
        (sp->kind == param_value::shape::array && sp->list.empty()) ||
        (sp->kind == param_value::shape::scalar && sp->text.empty())) {
        v.add("scopes is missing");
    } else {
        std::vector<std::string> names =
            sp->kind == param_value::shape::array ? sp->list : std::vector<std::string>{sp->text};
        for (const auto& s : names) {
            const auto bit = store::scope_from_name(s);
            if (bit == 0) {
                v.add("scopes does not have a valid value");
                break;
            }
            scopes |= bit;
        }
    }
    const auto expires = string_param(ctx.params, "expires_at", v);
    std::int64_t expires_ms = 0;
    if (expires && !expires->empty()) {
        if (auto d = parse_date(*expires)) {
            expires_ms = *d;
        } else {
            v.add("expires_at is invalid");
        }
    }
    const auto description = string_param(ctx.params, "description", v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    auto tok = std::make_shared<store::token>();
    tok->kind = store::token_kind::personal;
    tok->user_id = static_cast<std::uint64_t>(*user_id);
    tok->name = std::move(*name);
    tok->description = description.value_or("");
    tok->scopes = scopes;
    if (expires_ms != 0) {
        tok->expires_at = *expires;
        tok->expires_at_ms = expires_ms;
    }
    tok->created_at = now_ms();
    const std::string secret = "glpat-" + store::random_token_chars(20);
    return then_render(
        [tok, secret](store::write_txn& w) { return store::create_token(w, *tok, secret); },
        [tok, secret](const snapshot&, std::error_code ec) {
            if (ec) {
                return store_failure("create token", ec);
            }
            json_writer w;
            write_token(w, *tok, secret);
            return json_response(201, w.take());
        });
}

outcome list_tokens(request_context& ctx, const snapshot& t) {
    // Route needs: signed in.
    validation v;
    const auto pg = read_page_params(ctx.params, v);
    auto user_id = int_param(ctx.params, "user_id", v);
    if (!v.ok()) {
        return bad_params(v.message());
    }
    std::uint64_t owner = ctx.who.user_id();
    if (user_id && ctx.who.admin()) {
        owner = static_cast<std::uint64_t>(*user_id);
    }
    const auto all = store::list_user_tokens(t, owner);
    return json_page(ctx, all, pg,
                     [&](json_writer& w, const auto& item) { write_token(w, item, {}); });
}

outcome get_token_self(request_context& ctx, const snapshot&) {
    // Route needs: signed in.
    if (!ctx.who.token) {
        return unauthorized();
    }
    json_writer w;
    write_token(w, *ctx.who.token, {});
    return json_response(200, w.take());
}

namespace {

write_plan revoke(std::uint64_t id) {
    return then_render([id](store::write_txn& t) { return store::revoke_token(t, id); },
                       [](const snapshot&, std::error_code ec) {
                           if (ec == store::errc::not_found) {
                               return not_found();
                           }
                           if (ec) {
                               return store_failure("revoke token", ec);
                           }
                           return no_content();
                       });
}

} // namespace

outcome revoke_token_self(request_context& ctx, const snapshot&) {
    // Route needs: signed in.
    if (!ctx.who.token) {
        return unauthorized();
    }
    return revoke(ctx.who.token->id);
}

outcome revoke_token(request_context& ctx, const snapshot& t) {
    // Route needs: signed in.
    const auto id = parse_int(ctx.path_param("token_id"));
    std::optional<store::token> tok;
    if (id && *id > 0) {
        tok = store::find_token(t, static_cast<std::uint64_t>(*id));
    }
    if (!tok || tok->kind != store::token_kind::personal ||
        (!ctx.who.admin() && tok->user_id != ctx.who.user_id())) {
        return not_found();
    }
    return revoke(tok->id);
}

} // namespace packyard::routing::handlers
