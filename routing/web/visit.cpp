#include "routing/web/visit.hpp"

#include "store/identity.hpp"
#include "store/web_sessions.hpp"

#include <openssl/crypto.h>

namespace packyard::routing::web {

std::optional<std::string_view> cookie(const request& req, std::string_view name) {
    // RFC 6265 §5.4: "name=value" pairs separated by "; ". Every Cookie header is looked at
    // (HTTP/2 proxies may split them); the first match wins, as in browsers' ordering the most
    // specific path comes first.
    for (const auto& [field, value] : req.headers) {
        if (!iequals(field, "Cookie")) {
            continue;
        }
        std::string_view rest = value;
        while (!rest.empty()) {
            const auto end = rest.find(';');
            std::string_view pair = store::trim_ows(rest.substr(0, end));
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
            const auto eq = pair.find('=');
            if (eq != std::string_view::npos && store::trim_ows(pair.substr(0, eq)) == name) {
                return store::trim_ows(pair.substr(eq + 1));
            }
        }
    }
    return std::nullopt;
}

std::optional<std::string_view> session_refusal(const store::token& tok, std::int64_t now) {
    if (tok.kind != store::token_kind::personal) {
        return "Only a personal access token can sign in.";
    }
    if (tok.revoked) {
        return "This token has been revoked.";
    }
    if (tok.expires_at_ms != 0 && now >= tok.expires_at_ms) {
        return "This token has expired.";
    }
    if ((tok.scopes & (store::scope_api | store::scope_read_api)) == 0) {
        return "This token needs the api or read_api scope.";
    }
    return std::nullopt;
}

void authenticate_visit(request_context& ctx, const store::txn& t) {
    const auto secret = cookie(ctx.req, session_cookie);
    if (!secret || secret->empty() || secret->size() > 256) {
        return;
    }
    auto s = store::find_web_session(t, *secret);
    const auto now = now_ms();
    if (!s || now >= s->expires_at) {
        return;
    }
    auto tok = store::find_token(t, s->token_id);
    if (!tok || tok->user_id != s->user_id || session_refusal(*tok, now)) {
        return;
    }
    auto u = store::find_user(t, tok->user_id);
    if (!u) {
        return;
    }
    ctx.who.user = std::move(*u);
    ctx.who.kind = auth_kind::personal_token;
    ctx.visit.emplace();
    ctx.visit->session = std::string(*secret);
    ctx.visit->csrf = std::move(s->csrf);
    ctx.visit->can_write = (tok->scopes & store::scope_api) != 0;
    ctx.who.token = std::move(*tok);
}

bool csrf_ok(const request_context& ctx) {
    const auto* sent = ctx.params.find(csrf_field);
    if (sent == nullptr || sent->kind != param_value::shape::scalar || sent->text.empty()) {
        return false;
    }
    std::string_view want;
    if (ctx.visit) {
        want = ctx.visit->csrf;
    } else if (auto c = cookie(ctx.req, csrf_cookie)) {
        want = *c;
    }
    return !want.empty() && want.size() == sent->text.size() &&
           CRYPTO_memcmp(want.data(), sent->text.data(), want.size()) == 0;
}

namespace {

bool secure(const request_context& ctx) {
    return store::istarts_with(ctx.svc.cfg.external_url, "https://");
}

} // namespace

std::string set_cookie(const request_context& ctx, std::string_view name, std::string_view value,
                       std::chrono::seconds max_age) {
    std::string out(name);
    out += '=';
    out += value;
    out += "; Path=/; Max-Age=";
    out += std::to_string(max_age.count());
    out += "; HttpOnly; SameSite=Lax";
    if (secure(ctx)) {
        out += "; Secure";
    }
    return out;
}

std::string clear_cookie(const request_context& ctx, std::string_view name) {
    return set_cookie(ctx, name, "", std::chrono::seconds(0));
}

} // namespace packyard::routing::web
